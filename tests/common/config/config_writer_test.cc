// Tests for writing agent.yaml: mode 0600, unknown fields and the testing: section survive, defaults
// are not spelled out, the result loads back to the same config, and invalid configs are refused.
#include "common/config/config_writer.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/config/config_loader.h"
#include "tests/common/config/config_test_support.h"

namespace nefia {
namespace {

using namespace std::chrono_literals;
using config_test::kOtherPeerKey;
using config_test::kPeerKey;
using config_test::minimalConfig;

class ConfigWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-config-writer-XXXXXX";
    directory_ = mkdtemp(pattern);
    path_ = directory_ + "/agent.yaml";
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  AgentConfig load() {
    auto loaded = loadAgentConfig(path_, config_test::kAcceptTesting);
    EXPECT_TRUE(loaded.ok()) << loaded.error();
    return loaded.ok() ? loaded->config : AgentConfig{};
  }
  std::string contents() {
    auto text = readWholeFile(path_, kMaxConfigFileBytes);
    EXPECT_TRUE(text.ok()) << text.error();
    return text.ok() ? text.value() : "";
  }
  unsigned mode() {
    struct stat info{};
    EXPECT_EQ(::stat(path_.c_str(), &info), 0);
    return info.st_mode & 0777;
  }

  std::string directory_;
  std::string path_;
};

TEST_F(ConfigWriterTest, TokenRotationKeepsUnknownFieldsAndSetsMode0600) {
  ASSERT_TRUE(writeFileAtomically(path_,
                                  minimalConfig() +
                                      "    allowed_ips: [10.99.0.0/24]\n"
                                      "telemetry:\n"
                                      "  level: 3\n"
                                      "agent_token: old-token\n"
                                      "derp_probe_interval: 300s\n"
                                      "testing:\n"
                                      "  report_interval: 1s\n",
                                  0644)
                  .ok());
  AgentConfig config = load();
  config.agentToken = "new-token";
  config.agentTokenExpiresAt = "2026-09-01T00:00:00Z";
  ASSERT_TRUE(writeAgentConfig(path_, config).ok());

  EXPECT_EQ(mode(), 0600u);
  const std::string text = contents();
  EXPECT_NE(text.find("telemetry:\n  level: 3"), std::string::npos) << text;
  EXPECT_NE(text.find("allowed_ips"), std::string::npos) << text;
  EXPECT_NE(text.find("derp_probe_interval: 300s"), std::string::npos) << "same value keeps its spelling:\n" << text;
  EXPECT_EQ(text.find("old-token"), std::string::npos) << text;
  EXPECT_EQ(text.find("ssh_addr"), std::string::npos) << "defaults are not spelled out:\n" << text;
  EXPECT_EQ(text.find("persistent_keepalive"), std::string::npos) << text;

  auto reloaded = parseAgentConfig(text, "agent.yaml", config_test::kAcceptTesting);
  ASSERT_TRUE(reloaded.ok()) << reloaded.errors.front();
  EXPECT_EQ(reloaded.config, config);
  EXPECT_EQ(reloaded.config.testing.reportInterval, 1s);
  EXPECT_EQ(reloaded.unknownFields, (std::vector<std::string>{"peers[0].allowed_ips", "telemetry"}));
}

TEST_F(ConfigWriterTest, PeersAreMatchedByKeySoTheirExtrasFollowThem) {
  ASSERT_TRUE(writeFileAtomically(path_, minimalConfig() + "    note: operator-1\n", 0600).ok());
  AgentConfig config = load();
  PeerEntry second{kOtherPeerKey, "", "10.99.0.3", Duration::zero()};
  config.peers.insert(config.peers.begin(), second);
  ASSERT_TRUE(writeAgentConfig(path_, config).ok());
  auto reloaded = parseAgentConfig(contents(), "agent.yaml");
  ASSERT_TRUE(reloaded.ok()) << reloaded.errors.front();
  EXPECT_EQ(reloaded.config, config);
  EXPECT_EQ(reloaded.unknownFields, (std::vector<std::string>{"peers[1].note"}));
}

TEST_F(ConfigWriterTest, NewFileFromEnrollmentRoundTripsEveryField) {
  auto example = loadAgentConfig(NEFIA_CONFIG_EXAMPLE);
  ASSERT_TRUE(example.ok()) << example.error();
  AgentConfig config = example->config;
  config.listenPort = 0;
  config.derpAutoSelect = false;
  config.peers[0].persistentKeepalive = Duration::zero();
  config.derpProbeInterval = 90min;
  ASSERT_TRUE(writeAgentConfig(path_, config).ok());
  EXPECT_EQ(mode(), 0600u);
  EXPECT_EQ(load(), config);
  EXPECT_NE(contents().find("derp_probe_interval: 1h30m\n"), std::string::npos) << contents();
  EXPECT_NE(contents().find("persistent_keepalive: 0s\n"), std::string::npos) << contents();
  EXPECT_EQ(contents().rfind("private_key: keyring:nefia-wireguard-key\n", 0), 0u) << contents();
}

TEST_F(ConfigWriterTest, ReplaceModeDropsTheOldFile) {
  ASSERT_TRUE(writeFileAtomically(path_, "telemetry: on\n", 0600).ok());
  const AgentConfig config = parseAgentConfig(minimalConfig(), "agent.yaml").config;
  ASSERT_TRUE(writeAgentConfig(path_, config, ConfigWriteMode::kReplace).ok());
  EXPECT_EQ(contents().find("telemetry"), std::string::npos) << contents();
  EXPECT_EQ(load(), config);
}

TEST_F(ConfigWriterTest, InvalidConfigIsNotWrittenAndOldFileStays) {
  ASSERT_TRUE(writeFileAtomically(path_, minimalConfig(), 0600).ok());
  AgentConfig config = load();
  config.address = "10.99.0.2";
  const Status status = writeAgentConfig(path_, config);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "refusing to write an invalid config to " + path_ +
                                ":\n  address: \"10.99.0.2\" is not CIDR notation: the /prefix is missing "
                                "(e.g. 10.99.0.2/24)");
  EXPECT_EQ(contents(), minimalConfig());
}

TEST_F(ConfigWriterTest, BrokenExistingFileIsReportedNotOverwritten) {
  ASSERT_TRUE(writeFileAtomically(path_, "peers: [\n", 0600).ok());
  const AgentConfig config = parseAgentConfig(minimalConfig(), "agent.yaml").config;
  const Status status = writeAgentConfig(path_, config);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("is not valid YAML"), std::string::npos) << status.error();
  EXPECT_EQ(contents(), "peers: [\n");
}

TEST_F(ConfigWriterTest, FailedWriteLeavesTheOldFileIntact) {
  ASSERT_TRUE(writeFileAtomically(path_, minimalConfig(), 0600).ok());
  AgentConfig config = load();
  config.listenPort = 4242;
  // A file size limit makes the write fail midway, even for root (a crash at the same point is
  // equivalent: the new contents only ever exist under the temporary name).
  struct rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &original), 0);
  const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit tiny = original;
  tiny.rlim_cur = 16;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tiny), 0);
  const Status status = writeAgentConfig(path_, config);
  ::setrlimit(RLIMIT_FSIZE, &original);
  std::signal(SIGXFSZ, previousHandler);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("cannot write"), std::string::npos) << status.error();
  EXPECT_EQ(contents(), minimalConfig());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_), {}), 1) << "temp file left behind";
}

TEST_F(ConfigWriterTest, SelfReferencingAliasesAreRefused) {
  const AgentConfig config = parseAgentConfig(minimalConfig(), "agent.yaml").config;
  auto rendered = renderAgentConfig(config, "extra: &loop [*loop]\n");
  ASSERT_FALSE(rendered.ok());
  EXPECT_NE(rendered.error().find("YAML aliases"), std::string::npos) << rendered.error();
}

}  // namespace
}  // namespace nefia
