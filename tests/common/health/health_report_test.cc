// Tests for agent-health.json: the exact shape, round trip through the file, zero values, type errors.
// Every later issue relies on this module being the one reader/writer, so the shape is pinned here.
#include "common/health/health_report.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/log.h"
#include "tests/common/health/health_test_support.h"

namespace nefia {
namespace {

using testing_support::sampleReport;

TEST(HealthReportTest, JsonHasExactlyTheDesignShapeInOrder) {
  const nlohmann::ordered_json json = toJson(HealthReport{});
  std::vector<std::string> keys;
  for (const auto& item : json.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"status", "vpn_connected", "uptime_seconds", "version", "rebuild_count",
                                            "last_rebuild", "goroutines", "last_config_error", "updated_at",
                                            "report_interval_seconds", "pid", "workers", "peers", "forwarder",
                                            "sandbox", "beacons"}));
  EXPECT_TRUE(json["workers"].is_object());
  EXPECT_TRUE(json["peers"].is_array());
  EXPECT_EQ(json["forwarder"].dump(), R"({"active_connections":0,"refused_connections":0,"ssh_reachable":false})");
  EXPECT_EQ(json["sandbox"].dump(), R"({"seccomp":false,"landlock_abi":0,"worker_user":""})");
  EXPECT_EQ(json["beacons"].dump(), R"({"checks":[],"queued":0,"delivered":0,"dropped":0})");

  const nlohmann::ordered_json full = toJson(sampleReport());
  EXPECT_EQ(full["workers"]["tunnel"].dump(),
            R"({"pid":4242,"state":"ready","generation":3,"restarts":2,"last_exit":"signal 9","rss_kib":5120})");
  EXPECT_EQ(full["peers"][0].dump(),
            R"({"public_key":"yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=","vpn_addr":"10.99.0.1",)"
            R"("endpoint":"192.0.2.1:51820","endpoint_error":"","last_handshake":"2026-11-26T11:59:48Z","rx_bytes":1024,)"
            R"("tx_bytes":2048,"stale":false})");
  EXPECT_EQ(full["beacons"]["checks"][0].dump(),
            R"({"kind":"disk_usage","name":"/home","state":"critical","last_run":"2026-11-26T11:59:30Z","runs":12,"skips":0})");
}

TEST(HealthReportTest, BeaconCheckOfTheWrongTypeIsAnErrorNamingIt) {
  EXPECT_EQ(healthReportFromJson(R"({"beacons":{"checks":[{"runs":"many"}]}})").error(),
            "beacons.checks[0].runs: expected a non-negative integer, got string");
  EXPECT_EQ(healthReportFromJson(R"({"beacons":{"checks":[7]}})").error(),
            "beacons.checks[0]: expected an object, got number");
}

TEST(HealthReportTest, RoundTripsThroughTheFileWithMode0640) {
  char pattern[] = "/tmp/nefia-health-XXXXXX";
  const std::string directory = ::mkdtemp(pattern);
  const std::string path = directory + "/agent-health.json";
  ASSERT_TRUE(writeHealthReport(path, sampleReport()).ok());
  auto read = readHealthReport(path);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read.value(), sampleReport());
  struct stat info{};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  std::filesystem::remove_all(directory);
}

TEST(HealthReportTest, MissingAndNullFieldsGetZeroValuesAndUnknownFieldsAreIgnored) {
  auto empty = healthReportFromJson("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value(), HealthReport{});

  auto partial = healthReportFromJson(
      R"({"status":"degraded","version":null,"future_field":[1,2],"peers":[{"vpn_addr":"10.99.0.2"}],)"
      R"("workers":{"beacons":{}},"forwarder":{"ssh_reachable":true}})");
  ASSERT_TRUE(partial.ok()) << partial.error();
  EXPECT_EQ(partial->status, "degraded");
  EXPECT_EQ(partial->version, "");
  EXPECT_EQ(partial->uptimeSeconds, 0);
  ASSERT_EQ(partial->peers.size(), 1u);
  EXPECT_EQ(partial->peers[0], (PeerHealth{"", "10.99.0.2", "", "", 0, 0, false}));
  EXPECT_EQ(partial->workers.at("beacons"), WorkerHealth{});
  EXPECT_TRUE(partial->forwarder.sshReachable);
  EXPECT_EQ(partial->forwarder.activeConnections, 0u);
}

TEST(HealthReportTest, WrongTypesAreErrorsNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"vpn_connected":"yes"})", "vpn_connected: expected true or false, got string"},
      {R"({"uptime_seconds":1.5})", "uptime_seconds: expected an integer, got number"},
      {R"({"uptime_seconds":18446744073709551615})", "uptime_seconds: expected an integer, got number"},
      {R"({"rebuild_count":-1})", "rebuild_count: expected a non-negative integer, got number"},
      {R"({"peers":[{},{"rx_bytes":"1"}]})", "peers[1].rx_bytes: expected a non-negative integer, got string"},
      {R"({"peers":[7]})", "peers[0]: expected an object, got number"},
      {R"({"peers":{}})", "peers: expected an array, got object"},
      {R"({"workers":{"tunnel":{"state":3}}})", "workers.tunnel.state: expected a string, got number"},
      {R"({"workers":{"tunnel":[]}})", "workers.tunnel: expected an object, got array"},
      {R"({"sandbox":{"landlock_abi":true}})", "sandbox.landlock_abi: expected an integer, got boolean"},
      {R"([])", "expected a JSON object, got array"},
      {R"({"status":)", "not valid JSON"},
  };
  for (const auto& [text, expected] : cases) {
    auto report = healthReportFromJson(text);
    ASSERT_FALSE(report.ok()) << text;
    EXPECT_EQ(report.error(), expected) << text;
  }
}

TEST(HealthReportTest, InvalidUtf8InAConfigErrorIsWrittenNotThrown) {
  HealthReport report;
  report.lastConfigError = "agent.yaml:3: bad byte \xff";
  const std::string text = healthReportJsonText(report);
  auto read = healthReportFromJson(text);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read->lastConfigError, "agent.yaml:3: bad byte \xef\xbf\xbd");
}

// Issue 12 item 5: `address: <key>` + SIGHUP wrote the key verbatim into last_config_error (mode 0640).
TEST(HealthReportTest, LastConfigErrorGetsTheLogsRedactionAndHidesEveryKey) {
  const std::string registered = "nfa_live_registered_token";
  const std::string key = "kP3m/Zq9XvA2bL7c+YtR0wEeUu5sNnHhJjKk1fGgDdI=";
  Logger::instance().registerSecret(registered);
  HealthReport report = sampleReport();
  report.lastConfigError = "token " + registered + ", address: \"" + key + "\" is not CIDR notation";
  const std::string text = healthReportJsonText(report);
  Logger::instance().clearSecrets();
  EXPECT_EQ(text.find(registered), std::string::npos) << text;
  EXPECT_EQ(text.find(key.substr(0, 43)), std::string::npos) << text;
  auto read = healthReportFromJson(text);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read->lastConfigError, "token [redacted], address: \"[redacted]\" is not CIDR notation");
  EXPECT_EQ(read->peers, sampleReport().peers) << "public keys of peers are meant to be shown";
}

TEST(HealthReportTest, ReadErrorsNameThePath) {
  auto missing = readHealthReport("/nonexistent/agent-health.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("/nonexistent/agent-health.json"), std::string::npos);
}

TEST(HealthReportTest, LivesNextToTheConfig) {
  EXPECT_EQ(healthReportPath("/home/ann/.nefia/agent.yaml"), "/home/ann/.nefia/agent-health.json");
  EXPECT_EQ(healthReportPath("/agent.yaml"), "/agent-health.json");
  EXPECT_EQ(healthReportPath("agent.yaml"), "agent-health.json");
}

}  // namespace
}  // namespace nefia
