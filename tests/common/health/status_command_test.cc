// Tests for `nefia-agent status`: the exact text, --json, and each failure's message and exit code.
// The clock is passed in, so staleness is tested without waiting.
#include "common/health/status_command.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/config/rfc3339.h"
#include "tests/common/health/health_test_support.h"

namespace nefia {
namespace {

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
  void writeRaw(const std::string& text) { std::ofstream(reportPath_) << text; }

  std::string directory_ = makeTempDirectory();
  std::string configPath_ = directory_ + "/agent.yaml";
  std::string reportPath_ = directory_ + "/agent-health.json";
  std::chrono::system_clock::time_point now_ = std::chrono::time_point_cast<std::chrono::system_clock::duration>(parseRfc3339("2026-11-26T12:00:12Z").value());
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(StatusCommandTest, PrintsTheReferenceBlockThenPeersAndWorkers) {
  ASSERT_TRUE(writeHealthReport(reportPath_, sampleReport()).ok());
  EXPECT_EQ(run(), kStatusExitOk) << err_.str();
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
            "Worker forwarder  pid 4243  ready  restarts 0\n"
            "Worker tunnel  pid 4242  ready  restarts 2  last exit signal 9\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(StatusCommandTest, ShowsConfigErrorOnlyWhenSet) {
  HealthReport report = sampleReport();
  report.lastConfigError = "peers[1].public_key: not a 32-byte base64 key (agent.yaml:14)";
  ASSERT_TRUE(writeHealthReport(reportPath_, report).ok());
  EXPECT_EQ(run(), kStatusExitOk);
  EXPECT_NE(out_.str().find("Goroutines: 18\nConfig Error: peers[1].public_key: not a 32-byte base64 key "
                            "(agent.yaml:14)\nReport Updated:"),
            std::string::npos)
      << out_.str();
}

TEST_F(StatusCommandTest, ZeroValueReportPrintsNeverForMissingTimes) {
  HealthReport report;
  report.updatedAt = "2026-11-26T12:00:10Z";
  ASSERT_TRUE(writeHealthReport(reportPath_, report).ok());
  EXPECT_EQ(run(), kStatusExitOk);
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
  EXPECT_NE(err_.str().find("no health report at " + reportPath_), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("Is the agent running?"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("nefia-agent run --config " + configPath_), std::string::npos) << err_.str();
}

TEST_F(StatusCommandTest, UnreadableReportSaysWhichPathAndWhatToDo) {
  std::filesystem::create_directory(reportPath_);  // readable by root too, unlike a chmod 000 file
  EXPECT_EQ(run(), kStatusExitReportUnreadable);
  EXPECT_NE(err_.str().find("cannot read health report"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find(reportPath_), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("Run status as the user the agent runs as"), std::string::npos) << err_.str();
}

TEST_F(StatusCommandTest, CorruptJsonIsReportedWithThePath) {
  writeRaw("{\"status\": \"ok\", ");
  EXPECT_EQ(run(), kStatusExitReportCorrupt);
  EXPECT_EQ(out_.str(), "");
  EXPECT_NE(err_.str().find("health report " + reportPath_ + " is corrupt: not valid JSON"), std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("retry in a moment"), std::string::npos) << err_.str();
}

TEST_F(StatusCommandTest, WrongFieldTypeIsReportedAsCorruptNamingTheField) {
  writeRaw(R"({"updated_at":"2026-11-26T12:00:00Z","peers":[{"stale":"no"}]})");
  EXPECT_EQ(run(), kStatusExitReportCorrupt);
  EXPECT_NE(err_.str().find("is corrupt: peers[0].stale: expected true or false, got string"), std::string::npos)
      << err_.str();
}

TEST_F(StatusCommandTest, ReportWithoutUpdatedAtIsCorrupt) {
  writeRaw(R"({"status":"ok"})");
  EXPECT_EQ(run(), kStatusExitReportCorrupt);
  EXPECT_NE(err_.str().find("updated_at: missing or not an RFC 3339 timestamp"), std::string::npos) << err_.str();
}

TEST_F(StatusCommandTest, StaleReportIsPrintedButFailsWithAnExplanation) {
  HealthReport report = sampleReport();
  report.updatedAt = "2026-11-26T11:59:41Z";  // 31 s old, the limit is 3 x 10 s
  ASSERT_TRUE(writeHealthReport(reportPath_, report).ok());
  EXPECT_EQ(run(), kStatusExitReportStale);
  EXPECT_NE(out_.str().find("Health Status: ok\n"), std::string::npos);
  EXPECT_NE(err_.str().find("health report " + reportPath_ +
                            " is stale: last updated 2026-11-26T11:59:41Z (31s ago) although the agent writes it "
                            "every 10s"),
            std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("stopped or hung"), std::string::npos) << err_.str();

  report.updatedAt = "2026-11-26T11:59:42Z";  // exactly 30 s: still fresh
  ASSERT_TRUE(writeHealthReport(reportPath_, report).ok());
  EXPECT_EQ(run(), kStatusExitOk) << err_.str();
}

TEST_F(StatusCommandTest, StalenessFollowsTheReportedInterval) {
  HealthReport report = sampleReport();
  report.reportIntervalSeconds = 60;
  report.updatedAt = "2026-11-26T11:58:00Z";  // 2m12s old, the limit is 3 x 60 s
  ASSERT_TRUE(writeHealthReport(reportPath_, report).ok());
  EXPECT_EQ(run(), kStatusExitOk) << err_.str();
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
  EXPECT_NE(out_.str().find("Version: v1.3.0"), std::string::npos);
}

}  // namespace
}  // namespace nefia
