// Tests for RotatingFileSink: size trigger, gzip fidelity, pruning by count and age, reopen, one writer.
// Time is an injected clock, so nothing here sleeps.
#include "common/logging/rotating_file_sink.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/logging/log_backups.h"
#include "tests/common/logging/log_test_support.h"

namespace nefia {
namespace {

using testing_support::fixedInstant;
using testing_support::gunzipFile;
using testing_support::readFile;
using testing_support::TempDirectory;

class RotatingFileSinkTest : public ::testing::Test {
 protected:
  RotatingFileOptions options(std::uint64_t maxSizeBytes, int maxBackups, int maxAgeDays) {
    RotatingFileOptions result;
    result.path = logPath_;
    result.maxSizeBytes = maxSizeBytes;
    result.maxBackups = maxBackups;
    result.maxAgeDays = maxAgeDays;
    result.clock = [this] { return now_; };
    return result;
  }
  std::shared_ptr<RotatingFileSink> openSink(std::uint64_t maxSizeBytes, int maxBackups, int maxAgeDays) {
    auto sink = RotatingFileSink::open(options(maxSizeBytes, maxBackups, maxAgeDays));
    EXPECT_TRUE(sink.ok()) << (sink.ok() ? "" : sink.error());
    return sink.ok() ? sink.value() : nullptr;
  }
  // A line of exactly `bytes` bytes including the newline the sink appends.
  static std::string lineOf(std::size_t bytes, char fill) { return std::string(bytes - 1, fill); }
  static void writeLine(RotatingFileSink& sink, const std::string& line) { sink.write(LogRecord{}, line); }

  TempDirectory directory_;
  std::string logPath_ = directory_.path() + "/agent.log";
  std::chrono::system_clock::time_point now_ = fixedInstant();
};

TEST_F(RotatingFileSinkTest, RotatesOnlyWhenTheNextLineWouldExceedTheLimit) {
  auto sink = openSink(100, 5, 30);
  ASSERT_NE(sink, nullptr);
  for (char fill : {'a', 'b', 'c', 'd'}) writeLine(*sink, lineOf(25, fill));  // exactly 100 bytes: no rotation
  sink->waitForMaintenance();
  EXPECT_TRUE(listLogBackups(logPath_).empty());
  EXPECT_EQ(readFile(logPath_).size(), 100u);

  writeLine(*sink, lineOf(25, 'e'));  // 125 > 100: the first four lines move to a backup
  sink->waitForMaintenance();
  const auto backups = listLogBackups(logPath_);
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(backups[0].path, directory_.path() + "/agent-2026-11-26T11-13-25.123.log.gz");
  EXPECT_TRUE(backups[0].compressed);
  EXPECT_EQ(readFile(logPath_), lineOf(25, 'e') + "\n");
  EXPECT_EQ(sink->currentSize(), 25u);
}

TEST_F(RotatingFileSinkTest, CompressedBackupDecompressesToTheExactBytesAndTheOriginalIsGone) {
  auto sink = openSink(4096, 5, 30);
  ASSERT_NE(sink, nullptr);
  std::string expected;
  for (int index = 0; index < 40; ++index) {
    std::string line = "2026-11-26T11:13:25.123Z INFO tunnel: line " + std::to_string(index) + " \xc3\xa9\t\x01";
    writeLine(*sink, line);
    expected += line + "\n";
  }
  ASSERT_LE(expected.size(), 4096u);
  ASSERT_TRUE(sink->rotate().ok());
  sink->waitForMaintenance();
  const std::string gz = directory_.path() + "/agent-2026-11-26T11-13-25.123.log.gz";
  EXPECT_EQ(gunzipFile(gz), expected);
  EXPECT_FALSE(std::filesystem::exists(directory_.path() + "/agent-2026-11-26T11-13-25.123.log"));
  struct stat info{};
  ASSERT_EQ(stat(gz.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(RotatingFileSinkTest, KeepsOnlyTheNewestMaxBackups) {
  auto sink = openSink(1 << 20, 2, 0);
  ASSERT_NE(sink, nullptr);
  for (int rotation = 0; rotation < 5; ++rotation) {
    writeLine(*sink, lineOf(20, static_cast<char>('a' + rotation)));
    ASSERT_TRUE(sink->rotate().ok());
    now_ += std::chrono::seconds(1);
  }
  sink->waitForMaintenance();
  const auto backups = listLogBackups(logPath_);
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(backups[0].rotatedAt, fixedInstant() + std::chrono::seconds(4));
  EXPECT_EQ(backups[1].rotatedAt, fixedInstant() + std::chrono::seconds(3));
  EXPECT_EQ(gunzipFile(backups[0].path), lineOf(20, 'e') + "\n");
  EXPECT_EQ(gunzipFile(backups[1].path), lineOf(20, 'd') + "\n");
}

TEST_F(RotatingFileSinkTest, RemovesBackupsOlderThanMaxAgeDays) {
  auto sink = openSink(1 << 20, 0, 30);
  ASSERT_NE(sink, nullptr);
  writeLine(*sink, "old");
  ASSERT_TRUE(sink->rotate().ok());
  now_ += std::chrono::hours(24) * 20;
  writeLine(*sink, "middle");
  ASSERT_TRUE(sink->rotate().ok());
  sink->waitForMaintenance();
  EXPECT_EQ(listLogBackups(logPath_).size(), 2u);

  now_ += std::chrono::hours(24) * 11;  // the first backup is now 31 days old, the second 11
  writeLine(*sink, "new");
  ASSERT_TRUE(sink->rotate().ok());
  sink->waitForMaintenance();
  const auto backups = listLogBackups(logPath_);
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(gunzipFile(backups[1].path), "middle\n");
  EXPECT_EQ(gunzipFile(backups[0].path), "new\n");
}

TEST_F(RotatingFileSinkTest, ZeroBackupsAndZeroAgeKeepEverything) {
  auto sink = openSink(1 << 20, 0, 0);
  ASSERT_NE(sink, nullptr);
  for (int rotation = 0; rotation < 7; ++rotation) {
    writeLine(*sink, "line");
    ASSERT_TRUE(sink->rotate().ok());
    now_ += std::chrono::hours(24) * 365;
  }
  sink->waitForMaintenance();
  EXPECT_EQ(listLogBackups(logPath_).size(), 7u);
}

TEST_F(RotatingFileSinkTest, ReopensAFreshFileAtTheSamePathAfterRotation) {
  auto sink = openSink(1 << 20, 5, 30);
  ASSERT_NE(sink, nullptr);
  writeLine(*sink, "before");
  struct stat before{};
  ASSERT_EQ(stat(logPath_.c_str(), &before), 0);
  ASSERT_TRUE(sink->rotate().ok());
  writeLine(*sink, "after");
  sink->waitForMaintenance();
  struct stat after{};
  ASSERT_EQ(stat(logPath_.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(after.st_mode & 0777, 0600u);
  EXPECT_EQ(readFile(logPath_), "after\n");
  ASSERT_EQ(listLogBackups(logPath_).size(), 1u);
  EXPECT_EQ(gunzipFile(listLogBackups(logPath_)[0].path), "before\n");
}

TEST_F(RotatingFileSinkTest, TwoRotationsInOneMillisecondKeepBothBackups) {
  auto sink = openSink(1 << 20, 5, 30);
  ASSERT_NE(sink, nullptr);
  writeLine(*sink, "first");
  ASSERT_TRUE(sink->rotate().ok());
  writeLine(*sink, "second");
  ASSERT_TRUE(sink->rotate().ok());
  sink->waitForMaintenance();
  const auto backups = listLogBackups(logPath_);
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(gunzipFile(backups[0].path), "second\n");
  EXPECT_EQ(gunzipFile(backups[1].path), "first\n");
}

TEST_F(RotatingFileSinkTest, AppendsToAnExistingFileAndCountsItsSize) {
  { std::ofstream(logPath_) << std::string(89, 'x') << "\n"; }
  auto sink = openSink(100, 5, 30);
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->currentSize(), 90u);
  writeLine(*sink, lineOf(20, 'y'));  // 110 > 100: the pre-existing content is rotated away first
  sink->waitForMaintenance();
  EXPECT_EQ(readFile(logPath_), lineOf(20, 'y') + "\n");
  ASSERT_EQ(listLogBackups(logPath_).size(), 1u);
}

// Issue 12 item 9: an existing 0644 log was appended to as is. Decision: fix it to 0600 and say so.
TEST_F(RotatingFileSinkTest, AnExistingLogReadableByOthersIsSetTo0600WithANotice) {
  { std::ofstream(logPath_) << "old line\n"; }
  ASSERT_EQ(::chmod(logPath_.c_str(), 0644), 0);
  auto sink = openSink(1 << 20, 5, 30);
  ASSERT_NE(sink, nullptr);
  struct stat info{};
  ASSERT_EQ(::stat(logPath_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_EQ(sink->takeNotices(), std::vector<std::string>{"log file " + logPath_ +
                                                          " had mode 0644 (other users could read the agent's log); "
                                                          "changed it to 0600"});
  EXPECT_TRUE(sink->takeNotices().empty()) << "each notice is given once";
}

// Issue 12 item 8, for the log: a FIFO at --log-file must be refused, not block the agent's start.
TEST_F(RotatingFileSinkTest, AFifoAsLogFileIsRefused) {
  ASSERT_EQ(::mkfifo(logPath_.c_str(), 0600), 0);
  auto sink = RotatingFileSink::open(options(1 << 20, 5, 30));
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.error(), "log file " + logPath_ + " is not a regular file; choose another --log-file");
}

TEST_F(RotatingFileSinkTest, CompressesABackupLeftUncompressedByAPreviousRun) {
  const std::string leftover = directory_.path() + "/agent-2026-11-25T10-00-00.000.log";
  { std::ofstream(leftover) << "from a crash\n"; }
  auto sink = openSink(1 << 20, 5, 30);
  ASSERT_NE(sink, nullptr);
  sink->waitForMaintenance();
  EXPECT_FALSE(std::filesystem::exists(leftover));
  EXPECT_EQ(gunzipFile(leftover + ".gz"), "from a crash\n");
}

TEST_F(RotatingFileSinkTest, CreatesMissingParentDirectoriesPrivately) {
  logPath_ = directory_.path() + "/state/nefia/agent.log";
  auto sink = openSink(1 << 20, 5, 30);
  ASSERT_NE(sink, nullptr);
  writeLine(*sink, "hello");
  struct stat info{};
  ASSERT_EQ(stat((directory_.path() + "/state/nefia").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(readFile(logPath_), "hello\n");
}

TEST_F(RotatingFileSinkTest, RefusesASecondWriterForTheSameFile) {
  auto first = openSink(1 << 20, 5, 30);
  ASSERT_NE(first, nullptr);
  auto second = RotatingFileSink::open(options(1 << 20, 5, 30));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find(logPath_), std::string::npos) << second.error();
  EXPECT_NE(second.error().find("one writer per file"), std::string::npos) << second.error();
}

TEST_F(RotatingFileSinkTest, UnopenablePathIsAClearError) {
  std::ofstream(directory_.path() + "/blocker") << "a file, not a directory";
  logPath_ = directory_.path() + "/blocker/agent.log";
  auto sink = RotatingFileSink::open(options(1 << 20, 5, 30));
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.error().find(directory_.path() + "/blocker"), std::string::npos) << sink.error();
  EXPECT_NE(sink.error().find("--log-file"), std::string::npos) << sink.error();
}

TEST_F(RotatingFileSinkTest, AFullDiskIsReportedOnceAndDoesNotCrash) {
  logPath_ = "/dev/full";
  auto sink = RotatingFileSink::open(options(1 << 20, 5, 30));
  ASSERT_TRUE(sink.ok()) << sink.error();
  ::testing::internal::CaptureStderr();
  sink.value()->write(LogRecord{}, "lost one");
  sink.value()->write(LogRecord{}, "lost two");
  const std::string stderrText = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(stderrText.find("cannot write log file /dev/full"), std::string::npos) << stderrText;
  EXPECT_EQ(stderrText.find("cannot write", stderrText.find("cannot write") + 1), std::string::npos) << stderrText;
}

TEST_F(RotatingFileSinkTest, LoggerLinesReachTheFileWithSecretsRedacted) {
  auto sink = openSink(1 << 20, 5, 30);
  ASSERT_NE(sink, nullptr);
  const std::string token = "nfa_9fK2mQ7xLw3pZ8vR";
  Logger& logger = Logger::instance();
  logger.clearSinks();
  logger.addSink(sink);
  logger.registerSecret(token);
  logInfo("enroll", "using token ", token);
  logger.clearSinks();
  logger.clearSecrets();
  const std::string contents = readFile(logPath_);
  EXPECT_EQ(contents.find(token), std::string::npos) << contents;
  EXPECT_NE(contents.find(" INFO enroll: using token [redacted]\n"), std::string::npos) << contents;
}

TEST(RotatingFileOptionsTest, FlagsConvertMegabytesAndRejectNegativesNamingTheFlag) {
  auto defaults = rotatingFileOptionsFromFlags("/var/log/agent.log", 50, 5, 30);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->maxSizeBytes, 50u * 1024 * 1024);
  EXPECT_EQ(defaults->maxBackups, 5);
  EXPECT_EQ(defaults->maxAgeDays, 30);

  auto size = rotatingFileOptionsFromFlags("/var/log/agent.log", 0, 5, 30);
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().find("--log-max-size"), std::string::npos);
  auto backups = rotatingFileOptionsFromFlags("/var/log/agent.log", 50, -1, 30);
  ASSERT_FALSE(backups.ok());
  EXPECT_NE(backups.error().find("--log-max-backups"), std::string::npos);
  auto age = rotatingFileOptionsFromFlags("/var/log/agent.log", 50, 5, -2);
  ASSERT_FALSE(age.ok());
  EXPECT_NE(age.error().find("--log-max-age"), std::string::npos);
  EXPECT_TRUE(rotatingFileOptionsFromFlags("/var/log/agent.log", 1, 0, 0).ok());
}

}  // namespace
}  // namespace nefia
