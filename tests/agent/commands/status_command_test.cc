// Tests for `nefia-agent status`: the exact text, --json, and each failure's message and exit code.
// The clock is passed in, so staleness is tested without waiting.
#include "agent/commands/status_command.h"

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config/rfc3339.h"
#include "common/health/status_text.h"
#include "tests/common/health/health_test_support.h"

namespace nefia {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::sampleReport;

class StatusCommandTest : public ::testing::Test {
 protected:
  ~StatusCommandTest() override { std::filesystem::remove_all(directory_); }
  static std::string makeTempDirectory() {
    char pattern[] = "/tmp/nefia-status-XXXXXX";
    return ::mkdtemp(pattern);
  }

  int run(bool json = false) {
    out_.str("");
    err_.str("");
    return runStatusCommand(StatusOptions{configPath_, json}, out_, err_, now_);
  }
  // Writes report as the health file, then runs `status` on it.
  int runOn(const HealthReport& report) {
    EXPECT_TRUE(writeHealthReport(reportPath_, report).ok());
    return run();
  }
  void writeRaw(const std::string& text) { std::ofstream(reportPath_) << text; }

  std::string directory_ = makeTempDirectory();
  std::string configPath_ = directory_ + "/agent.yaml";
  std::string reportPath_ = directory_ + "/agent-health.json";
  std::chrono::system_clock::time_point now_ = std::chrono::time_point_cast<std::chrono::system_clock::duration>(parseRfc3339("2026-11-26T12:00:12Z").value());
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(StatusCommandTest, PrintsTheReferenceBlockThenPeersAndWorkers) {
  EXPECT_EQ(runOn(sampleReport()), kStatusExitOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "Health Status: ok\n"
            "VPN Connected: true\n"
            "Uptime: 72h22m0s\n"
            "Version: v1.3.0\n"
            "Rebuild Count: 2\n"
            "Last Rebuild: 2026-02-28T08:12:00Z\n"
            "Goroutines: 18\n"
            "Report Updated: 2026-11-26T12:00:00Z (12s ago)\n"
            "Peer 10.99.0.1  endpoint 192.0.2.1:51820  last handshake 2026-11-26T11:59:48Z (24s ago)\n"
            "Peer 10.99.0.7  endpoint -  last handshake never  STALE\n"
            "Beacon disk_usage /home  critical  last run 2026-11-26T11:59:30Z (42s ago)  runs 12  skips 0\n"
            "Beacon script custom-check  ok  last run never  runs 0  skips 0\n"
            "Beacon Events: queued 3  delivered 0  dropped 1\n"
            "Worker forwarder  pid 4243  ready  restarts 0\n"
            "Worker tunnel  pid 4242  ready  restarts 2  last exit signal 9\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(StatusCommandTest, ShowsConfigErrorOnlyWhenSet) {
  HealthReport report = sampleReport();
  report.lastConfigError = "peers[1].public_key: not a 32-byte base64 key (agent.yaml:14)";
  EXPECT_EQ(runOn(report), kStatusExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("Goroutines: 18\nConfig Error: peers[1].public_key: not a 32-byte base64 key "
                                    "(agent.yaml:14)\nReport Updated:"));
}

TEST_F(StatusCommandTest, ZeroValueReportPrintsNeverForMissingTimes) {
  HealthReport report;
  report.updatedAt = "2026-11-26T12:00:10Z";
  EXPECT_EQ(runOn(report), kStatusExitOk);
  EXPECT_EQ(out_.str(),
            "Health Status: -\nVPN Connected: false\nUptime: 0s\nVersion: -\nRebuild Count: 0\n"
            "Last Rebuild: never\nGoroutines: 0\nReport Updated: 2026-11-26T12:00:10Z (2s ago)\n");
}

TEST_F(StatusCommandTest, JsonPrintsTheReportForScripts) {
  ASSERT_TRUE(writeHealthReport(reportPath_, sampleReport()).ok());
  EXPECT_EQ(run(true), kStatusExitOk);
  auto parsed = healthReportFromJson(out_.str());
  ASSERT_TRUE(parsed.ok()) << out_.str();
  EXPECT_EQ(parsed.value(), sampleReport());
}

TEST_F(StatusCommandTest, MissingReportAsksWhetherTheAgentRuns) {
  EXPECT_EQ(run(), kStatusExitReportMissing);
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(err_.str(), HasSubstr("no health report at " + reportPath_));
  EXPECT_THAT(err_.str(), HasSubstr("Is the agent running?"));
  EXPECT_THAT(err_.str(), HasSubstr("nefia-agent run --config " + configPath_));
}

TEST_F(StatusCommandTest, UnreadableReportSaysWhichPathAndWhatToDo) {
  std::filesystem::create_directory(reportPath_);  // readable by root too, unlike a chmod 000 file
  EXPECT_EQ(run(), kStatusExitReportUnreadable);
  EXPECT_THAT(err_.str(),
              HasSubstr("cannot read health report: " + reportPath_ + " is a directory, not a regular file"));
  EXPECT_THAT(err_.str(), HasSubstr("The agent never writes such a file: remove " + reportPath_));
}

// Issue 12 item 8: a FIFO as health file hung `status` in open(2).
TEST_F(StatusCommandTest, FifoReportIsRefusedAtOnce) {
  ASSERT_EQ(::mkfifo(reportPath_.c_str(), 0600), 0);
  EXPECT_EQ(run(), kStatusExitReportUnreadable);  // before the fix: blocks forever (ctest's timeout)
  EXPECT_THAT(err_.str(), HasSubstr(reportPath_ + " is a FIFO (named pipe), not a regular file"));
}

// Issue 12 item 10: an oversized report suggested running status as another user.
TEST_F(StatusCommandTest, OversizedReportIsNotAPermissionProblem) {
  writeRaw(std::string(kMaxHealthReportBytes + 1, ' '));
  EXPECT_EQ(run(), kStatusExitReportUnreadable);
  EXPECT_THAT(err_.str(),
              HasSubstr("is larger than 4194304 bytes. The agent never writes such a file: remove " + reportPath_));
  EXPECT_THAT(err_.str(), Not(HasSubstr("Run status as the user")));
}

// Issue 12 item 7: after the clock steps back a hung agent's last report lies in the future.
TEST_F(StatusCommandTest, ReportFromTheFutureIsStale) {
  HealthReport report = sampleReport();
  report.updatedAt = "2026-11-26T13:00:12Z";  // one hour ahead of now
  EXPECT_EQ(runOn(report), kStatusExitReportStale);
  EXPECT_THAT(out_.str(), HasSubstr("Report Updated: 2026-11-26T13:00:12Z (1h0m0s in the future)"));
  EXPECT_THAT(err_.str(), HasSubstr("is stale: last updated 2026-11-26T13:00:12Z, 1h0m0s in the future, although the "
                                    "agent writes it every 10s. The system clock was set back"));
  report.updatedAt = "2026-11-26T12:00:42Z";  // 30 s ahead: within 3 intervals, a small clock skew
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
}

TEST_F(StatusCommandTest, YearsBeyondTheClocksRangeAreCorruptNotHugeAges) {
  HealthReport report = sampleReport();
  report.updatedAt = "9999-12-31T23:59:59Z";
  EXPECT_EQ(runOn(report), kStatusExitReportCorrupt);
  EXPECT_THAT(err_.str(), HasSubstr("updated_at: missing or not an RFC 3339 timestamp in years 1678-2261 "
                                    "(\"9999-12-31T23:59:59Z\")"));
  report = sampleReport();
  report.lastRebuild = "0001-01-01T00:00:00Z";
  report.peers[0].lastHandshake = "9999-01-01T00:00:00Z";
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("last handshake 9999-01-01T00:00:00Z (not an RFC 3339 time)"));
}

TEST_F(StatusCommandTest, ExtremeNumbersPrintTheirValue) {
  HealthReport report = sampleReport();
  report.uptimeSeconds = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Uptime: 2562047788015215h30m7s\n"));
  report.uptimeSeconds = -5;
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Uptime: invalid (-5)\n"));
}

TEST_F(StatusCommandTest, ReportIntervalOutOfRangeIsCorrupt) {
  for (std::int64_t interval : {std::int64_t{-1}, kMaxReportIntervalSeconds + 1, std::numeric_limits<std::int64_t>::max()}) {
    HealthReport report = sampleReport();
    report.reportIntervalSeconds = interval;
    EXPECT_EQ(runOn(report), kStatusExitReportCorrupt) << interval;
    EXPECT_THAT(err_.str(), HasSubstr("is corrupt: report_interval_seconds: " + std::to_string(interval) +
                                      " is out of range (1-86400)"));
  }
  HealthReport report = sampleReport();
  report.reportIntervalSeconds = kMaxReportIntervalSeconds;
  report.updatedAt = "2026-11-25T12:00:12Z";  // a day old: fresh for a daily writer
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
}

TEST_F(StatusCommandTest, ControlCharactersInEveryFieldAreEscaped) {
  HealthReport report = sampleReport();
  report.status = "ok\x1b[2J";
  report.version = "v1\rHealth Status: ok";
  report.lastConfigError = "bad\nConfig Error: none\x7f";
  report.peers[0].vpnAddr = "10.99.0.1\x1b]0;title\x07";
  report.peers[0].endpoint = "x\xc2\x9by";  // C1 CSI
  report.workers["tunnel"].state = "ready\x08\x08";
  report.workers["tunnel"].lastExit = std::string("exit\0 1", 7);
  report.workers["evil\x1b"] = WorkerHealth{};
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
  const std::string text = out_.str();
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte == '\n' || (byte >= 0x20 && byte != 0x7f)) << "raw control byte " << int(byte) << " in\n" << text;
  }
  EXPECT_THAT(text, Not(HasSubstr("\xc2\x9b")));
  EXPECT_THAT(text, HasSubstr("Health Status: ok\\x1b[2J\n"));
  EXPECT_THAT(text, HasSubstr("Config Error: bad\\x0aConfig Error: none\\x7f\n"));
  EXPECT_THAT(text, HasSubstr("endpoint x\\u009by"));
  EXPECT_THAT(text, HasSubstr("last exit exit\\x00 1"));
  EXPECT_THAT(text, HasSubstr("Worker evil\\x1b"));
  EXPECT_EQ(run(true), kStatusExitOk);
  for (char c : out_.str()) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << "--json prints only ASCII";
}

// Issue 12 item 5: status printed a key that an older agent (or anyone) wrote into last_config_error.
TEST_F(StatusCommandTest, ConfigErrorNeverShowsAKey) {
  const std::string key = "kP3m/Zq9XvA2bL7c+YtR0wEeUu5sNnHhJjKk1fGgDdI=";
  writeRaw("{\"updated_at\":\"2026-11-26T12:00:10Z\",\"last_config_error\":\"address: \\\"" + key +
           "\\\" is not CIDR\"}");
  EXPECT_EQ(run(), kStatusExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Config Error: address: \"[redacted]\" is not CIDR\n"));
  EXPECT_EQ(run(true), kStatusExitOk);
  EXPECT_THAT(out_.str(), Not(HasSubstr(key.substr(0, 43))));
}

TEST_F(StatusCommandTest, CorruptJsonIsReportedWithThePath) {
  writeRaw("{\"status\": \"ok\", ");
  EXPECT_EQ(run(), kStatusExitReportCorrupt);
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(err_.str(), HasSubstr("health report " + reportPath_ + " is corrupt: not valid JSON"));
  EXPECT_THAT(err_.str(), HasSubstr("retry in a moment"));
}

TEST_F(StatusCommandTest, WrongFieldTypeIsReportedAsCorruptNamingTheField) {
  writeRaw(R"({"updated_at":"2026-11-26T12:00:00Z","peers":[{"stale":"no"}]})");
  EXPECT_EQ(run(), kStatusExitReportCorrupt);
  EXPECT_THAT(err_.str(), HasSubstr("is corrupt: peers[0].stale: expected true or false, got string"));
}

TEST_F(StatusCommandTest, ReportWithoutUpdatedAtIsCorrupt) {
  writeRaw(R"({"status":"ok"})");
  EXPECT_EQ(run(), kStatusExitReportCorrupt);
  EXPECT_THAT(err_.str(), HasSubstr("updated_at: missing or not an RFC 3339 timestamp"));
}

TEST_F(StatusCommandTest, StaleReportIsPrintedButFailsWithAnExplanation) {
  HealthReport report = sampleReport();
  report.updatedAt = "2026-11-26T11:59:41Z";  // 31 s old, the limit is 3 x 10 s
  EXPECT_EQ(runOn(report), kStatusExitReportStale);
  EXPECT_THAT(out_.str(), HasSubstr("Health Status: ok\n"));
  EXPECT_THAT(err_.str(), HasSubstr("health report " + reportPath_ +
                                    " is stale: last updated 2026-11-26T11:59:41Z (31s ago) although the agent "
                                    "writes it every 10s"));
  EXPECT_THAT(err_.str(), HasSubstr("stopped or hung"));

  report.updatedAt = "2026-11-26T11:59:42Z";  // exactly 30 s: still fresh
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
}

TEST_F(StatusCommandTest, StalenessFollowsTheReportedInterval) {
  HealthReport report = sampleReport();
  report.reportIntervalSeconds = 60;
  report.updatedAt = "2026-11-26T11:58:00Z";  // 2m12s old, the limit is 3 x 60 s
  EXPECT_EQ(runOn(report), kStatusExitOk) << err_.str();
}

TEST_F(StatusCommandTest, EmptyConfigPathMeansTheDefaultUnderHome) {
  const char* previous = std::getenv("HOME");
  const std::string savedHome = previous == nullptr ? "" : previous;
  ::setenv("HOME", directory_.c_str(), 1);
  std::filesystem::create_directory(directory_ + "/.nefia");
  ASSERT_TRUE(writeHealthReport(directory_ + "/.nefia/agent-health.json", sampleReport()).ok());
  configPath_.clear();
  const int code = run();
  if (previous == nullptr) ::unsetenv("HOME"); else ::setenv("HOME", savedHome.c_str(), 1);
  EXPECT_EQ(code, kStatusExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Version: v1.3.0"));
}

}  // namespace
}  // namespace nefia
