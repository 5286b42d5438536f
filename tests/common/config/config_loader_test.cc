// Tests for loading agent.yaml: defaults, types, syntax errors with lines, unknown fields, the
// testing: section, and the example file shipped for the README.
#include "common/config/config_loader.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/log.h"
#include "tests/common/config/config_test_support.h"

namespace nefia {
namespace {

using namespace std::chrono_literals;
using config_test::kAgentKey;
using config_test::kPeerKey;
using config_test::minimalConfig;
using Errors = std::vector<std::string>;

ParsedConfig parse(const std::string& yaml, ConfigParseOptions options = {}) {
  return parseAgentConfig(yaml, "agent.yaml", options);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

TEST(ConfigLoaderTest, MinimalConfigGetsTheDocumentedDefaults) {
  const ParsedConfig parsed = parse(minimalConfig());
  ASSERT_TRUE(parsed.ok()) << parsed.errors.front();
  const AgentConfig& config = parsed.config;
  EXPECT_EQ(config.privateKey, kAgentKey);
  EXPECT_EQ(config.listenPort, 51820);
  EXPECT_EQ(config.address, "10.99.0.2/24");
  EXPECT_EQ(config.sshAddr, "127.0.0.1:22");
  EXPECT_TRUE(config.derpAutoSelect);
  EXPECT_EQ(config.derpProbeInterval, 5min);
  EXPECT_EQ(config.endpointRefresh, 0s);
  ASSERT_EQ(config.peers.size(), 1u);
  EXPECT_EQ(config.peers[0].publicKey, kPeerKey);
  EXPECT_EQ(config.peers[0].endpoint, "192.0.2.1:51820");
  EXPECT_EQ(config.peers[0].vpnAddr, "10.99.0.1");
  EXPECT_EQ(config.peers[0].persistentKeepalive, 25s);
  EXPECT_FALSE(config.beacons.diskUsage.enabled);
  EXPECT_EQ(config.testing, TestingConfig{});
  EXPECT_EQ(config.testing.reportInterval, 10s);
  EXPECT_EQ(config.testing.rebuildCooldown, 30min);
  EXPECT_TRUE(parsed.unknownFields.empty());
}

TEST(ConfigLoaderTest, KeepaliveDefaultsToZeroWithoutEndpointAndZeroDisables) {
  const ParsedConfig parsed = parse(minimalConfig() +
                                    "  - public_key: \"AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=\"\n"
                                    "    vpn_addr: 10.99.0.3\n"
                                    "  - public_key: \"BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=\"\n"
                                    "    endpoint: relay.example.com:51820\n"
                                    "    vpn_addr: 10.99.0.4\n"
                                    "    persistent_keepalive: \"0\"\n");
  ASSERT_TRUE(parsed.ok()) << parsed.errors.front();
  ASSERT_EQ(parsed.config.peers.size(), 3u);
  EXPECT_EQ(parsed.config.peers[1].persistentKeepalive, 0s);
  EXPECT_EQ(parsed.config.peers[2].persistentKeepalive, 0s);
}

TEST(ConfigLoaderTest, ExampleConfigIsValidAndUsesEveryArea) {
  auto loaded = loadAgentConfig(NEFIA_CONFIG_EXAMPLE);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  const AgentConfig& config = loaded->config;
  EXPECT_EQ(config.privateKey, "keyring:nefia-wireguard-key");
  EXPECT_EQ(config.agentToken, "keyring:agent-token");
  EXPECT_EQ(config.derpServers.size(), 1u);
  EXPECT_EQ(config.beacons.diskUsage.paths, (std::vector<std::string>{"/", "/home"}));
  EXPECT_EQ(config.beacons.serviceCheck.interval, 30s);
  ASSERT_EQ(config.beacons.scripts.size(), 1u);
  EXPECT_EQ(config.beacons.scripts[0].interval, 10min);
  EXPECT_TRUE(loaded->unknownFields.empty());
}

TEST(ConfigLoaderTest, UnknownFieldsAreListedNotErrors) {
  const ParsedConfig parsed = parse(minimalConfig() +
                                    "    allowed_ips: [10.99.0.0/24]\n"  // 8
                                    "telemetry: on\n"                   // 9
                                    "beacons:\n"                        // 10
                                    "  network: {}\n");                 // 11
  ASSERT_TRUE(parsed.ok()) << parsed.errors.front();
  EXPECT_EQ(parsed.unknownFields, (Errors{"peers[0].allowed_ips", "telemetry", "beacons.network"}));
}

TEST(ConfigLoaderTest, WrongTypesAreErrorsWithPathAndLine) {
  const ParsedConfig parsed = parse(minimalConfig() +
                                    "dns: 10.99.0.1\n"              // 8
                                    "derp_auto_select: yes\n"       // 9
                                    "beacons:\n"                    // 10
                                    "  disk_usage:\n"               // 11
                                    "    warning_percent: high\n"   // 12
                                    "    paths: {root: /}\n"        // 13
                                    "  scripts: run.sh\n"           // 14
                                    "host_id: [a, b]\n"             // 15
                                    "derp_servers:\n"               // 16
                                    "  - name: a\n"                 // 17
                                    "    url: https://derp.example.com\n"  // 18
                                    "    stun_port: abc\n");        // 19
  EXPECT_EQ(parsed.errors, (Errors{
                               "dns: must be a list, not a single value (agent.yaml:8)",
                               "derp_auto_select: must be true or false, not \"yes\" (agent.yaml:9)",
                               "beacons.disk_usage.warning_percent: must be a whole number, not \"high\" (agent.yaml:12)",
                               "beacons.disk_usage.paths: must be a list, not a mapping (agent.yaml:13)",
                               "beacons.scripts: must be a list, not a single value (agent.yaml:14)",
                               "host_id: must be a single value, not a list (agent.yaml:15)",
                               "derp_servers[0].stun_port: \"abc\" is not a port number (0-65535) (agent.yaml:19)",
                           }));
}

TEST(ConfigLoaderTest, BooleansFollowTheYaml12CoreSchema) {
  EXPECT_FALSE(parse(minimalConfig() + "derp_auto_select: False\n").config.derpAutoSelect);
  EXPECT_TRUE(parse(minimalConfig() + "beacons:\n  disk_usage:\n    enabled: TRUE\n    paths: [/]\n")
                  .config.beacons.diskUsage.enabled);
}

TEST(ConfigLoaderTest, ControlCharactersAndInvalidUtf8AreRefused) {
  const ParsedConfig parsed = parse(minimalConfig() +
                                    "host_id: \"host\\nINFO forged log line\"\n"  // 8
                                    "agent_token: \"tok\xfd\"\n"                   // 9
                                    "cloud_api_base: https://api.example.com/\xc3\xa9\n");  // 10
  EXPECT_EQ(parsed.errors,
            (Errors{"host_id: contains control characters or invalid UTF-8; use plain text (agent.yaml:8)",
                    "agent_token: contains control characters or invalid UTF-8; use plain text (agent.yaml:9)"}));
}

TEST(ConfigLoaderTest, SyntaxErrorHasItsLine) {
  const ParsedConfig parsed = parse(minimalConfig() + "dns: [10.99.0.1\n");
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].rfind("YAML syntax error: ", 0), 0u) << parsed.errors[0];
  EXPECT_NE(parsed.errors[0].find("(agent.yaml:9)"), std::string::npos) << parsed.errors[0];
}

TEST(ConfigLoaderTest, EmptyScalarAndMultiDocumentFilesAreRefused) {
  EXPECT_EQ(parse("").errors,
            (Errors{"the config is empty; it needs at least private_key, address and peers (agent.yaml)"}));
  EXPECT_EQ(parse("# only a comment\n").errors,
            (Errors{"the config is empty; it needs at least private_key, address and peers (agent.yaml)"}));
  EXPECT_EQ(parse("\n- a\n- b\n").errors,
            (Errors{"the config must be a mapping of fields such as \"private_key: ...\" (agent.yaml:2)"}));
  EXPECT_EQ(parse(minimalConfig() + "---\nlisten_port: 1\n").errors,
            (Errors{"the file holds more than one YAML document; keep only one (agent.yaml:8)"}));
}

TEST(ConfigLoaderTest, StreamsThatHangYamlCppLoadAllAreRefusedPromptly) {
  EXPECT_EQ(parse(",x").errors,
            (Errors{"the config is empty; it needs at least private_key, address and peers (agent.yaml)"}));
  EXPECT_EQ(parse(minimalConfig() + "---\n,\n").errors,
            (Errors{"the file holds more than one YAML document; keep only one (agent.yaml:8)"}));
}

TEST(ConfigLoaderTest, DuplicateAndNonScalarKeysAreErrors) {
  const ParsedConfig parsed = parse(minimalConfig() +
                                    "listen_port: 1\n"   // 8
                                    "? [a, b]\n"         // 9
                                    ": c\n");
  EXPECT_EQ(parsed.errors, (Errors{"listen_port: appears twice; keep one (agent.yaml:8)",
                                   "field names must be plain words, not a list (agent.yaml:9)"}));
}

TEST(ConfigLoaderTest, TestingSectionDefaultFollowsTheBuild) {
  const ParsedConfig parsed = parse(minimalConfig() + "testing:\n  report_interval: 1s\n");
#ifdef NEFIA_TEST_HOOKS
  EXPECT_TRUE(testHooksBuilt());
  EXPECT_TRUE(parsed.ok()) << parsed.errors.front();
#else
  EXPECT_FALSE(testHooksBuilt());
  EXPECT_EQ(parsed.errors, (Errors{"testing: only accepted by test builds (agent.yaml:8)"}));
#endif
}

TEST(ConfigLoaderTest, TestingSectionIsReadInTestBuilds) {
  const ParsedConfig parsed = parse(minimalConfig() +
                                    "testing:\n"
                                    "  report_interval: 200ms\n"
                                    "  watchdog_healthy_interval: 1s\n"
                                    "  watchdog_unhealthy_interval: 500ms\n"
                                    "  rebuild_initial_backoff: 100ms\n"
                                    "  rebuild_max_backoff: 2s\n"
                                    "  rebuild_cooldown: 3s\n"
                                    "  rebuild_handshake_deadline: 1s\n"
                                    "  restart_healthy_period: 2s\n"
                                    "  fault: {worker: forwarder, mode: garbage}\n",
                                    ConfigParseOptions{.acceptTestingSection = true});
  ASSERT_TRUE(parsed.ok()) << parsed.errors.front();
  const TestingConfig& testing = parsed.config.testing;
  EXPECT_EQ(testing.reportInterval, 200ms);
  EXPECT_EQ(testing.watchdogHealthyInterval, 1s);
  EXPECT_EQ(testing.watchdogUnhealthyInterval, 500ms);
  EXPECT_EQ(testing.rebuildInitialBackoff, 100ms);
  EXPECT_EQ(testing.rebuildMaxBackoff, 2s);
  EXPECT_EQ(testing.rebuildCooldown, 3s);
  EXPECT_EQ(testing.rebuildHandshakeDeadline, 1s);
  EXPECT_EQ(testing.restartHealthyPeriod, 2s);
  ASSERT_TRUE(testing.fault.has_value());
  EXPECT_EQ(testing.fault->worker, FaultWorker::kForwarder);
  EXPECT_EQ(testing.fault->mode, FaultMode::kGarbage);
}

TEST(ConfigLoaderTest, TestingSectionIsRefusedByReleaseBuilds) {
  const ParsedConfig parsed = parse(minimalConfig() + "testing:\n  report_interval: 1s\n",
                                    ConfigParseOptions{.acceptTestingSection = false});
  EXPECT_EQ(parsed.errors, (Errors{"testing: only accepted by test builds (agent.yaml:8)"}));
}

TEST(ConfigLoaderTest, FaultNeedsKnownWorkerAndMode) {
  const ParsedConfig parsed = parse(minimalConfig() +
                                        "testing:\n"                 // 8
                                        "  fault:\n"                 // 9
                                        "    worker: kernel\n",      // 10
                                    ConfigParseOptions{.acceptTestingSection = true});
  EXPECT_EQ(parsed.errors,
            (Errors{"testing.fault.mode: required: one of crash_at_start, hang, garbage (agent.yaml:9)",
                    "testing.fault.worker: \"kernel\" is not one of tunnel, forwarder, beacons, updater (agent.yaml:10)"}));
}

TEST(ConfigLoaderTest, PlaintextSecretsAreRedactedFromLogsOnceRegistered) {
  const ParsedConfig parsed = parse(minimalConfig() + "agent_token: nfa_live_0123456789abcdef\n");
  ASSERT_TRUE(parsed.ok()) << parsed.errors.front();
  Logger& logger = Logger::instance();
  logger.clearSecrets();
  registerConfigSecrets(parsed.config);
  EXPECT_EQ(logger.redact("key=" + kAgentKey + " token=nfa_live_0123456789abcdef peer=" + kPeerKey),
            "key=[redacted] token=[redacted] peer=" + kPeerKey);
  logger.clearSecrets();
  AgentConfig keyring = parsed.config;
  keyring.privateKey = "keyring:nefia-wireguard-key";
  keyring.agentToken = "keyring:agent-token";
  registerConfigSecrets(keyring);
  EXPECT_EQ(logger.redact("using keyring:nefia-wireguard-key"), "using keyring:nefia-wireguard-key");
  logger.clearSecrets();
}

// Issue 12 item 10: yaml-cpp says "bad file" when its depth guard trips.
TEST(ConfigLoaderTest, DeepNestingSaysWhatIsWrong) {
  const ParsedConfig parsed = parse("a: " + std::string(3000, '[') + std::string(3000, ']') + "\n");
  ASSERT_EQ(parsed.errors.size(), 1u);
  const std::string& error = parsed.errors[0];
  EXPECT_EQ(error.rfind("YAML nesting is too deep (", 0), 0u) << error;  // yaml-cpp's limit: 500 or 2000 levels
  EXPECT_NE(error.find(" levels of lists or mappings; agent.yaml needs at most 4): check for unclosed or repeated "
                       "[ and { brackets (agent.yaml:1)"),
            std::string::npos)
      << error;
}

// Issue 12 item 5: a private key typed into the wrong field was echoed (in full, or the part before a '/').
TEST(ConfigLoaderTest, KeyTypedIntoAnotherFieldIsNeverEchoed) {
  const std::string key = "kP3m/Zq9XvA2bL7c+YtR0wEeUu5sNnHhJjKk1fGgDdI=";  // a '/' in the middle
  const std::vector<std::string> configs = {
      replaced(minimalConfig(), "10.99.0.2/24", key),
      replaced(minimalConfig(), "10.99.0.2/24", key + "/24"),
      replaced(minimalConfig(), "51820\n", key + "\n"),
      replaced(minimalConfig(), "192.0.2.1:51820", key + ":51820"),
      replaced(minimalConfig(), "vpn_addr: 10.99.0.1", "vpn_addr: " + key),
      minimalConfig() + "ssh_addr: \"" + key + ":22\"\n",
      minimalConfig() + "dns: [\"" + key + "\"]\n",
      minimalConfig() + "endpoint_refresh: \"" + key + "\"\n",
      minimalConfig() + "agent_token_expires_at: \"" + key + "\"\n",
      minimalConfig() + "derp_auto_select: \"" + key + "\"\n",
      minimalConfig() + "stun_servers: [\"" + key + "\"]\n",
      minimalConfig() + "\"" + key + "\": 1\n",
  };
  for (const std::string& config : configs) {
    const std::string& line = config;
    const ParsedConfig parsed = parse(config);
    ASSERT_FALSE(parsed.errors.empty() && parsed.unknownFields.empty()) << line;
    std::vector<std::string> texts = parsed.errors;
    texts.insert(texts.end(), parsed.unknownFields.begin(), parsed.unknownFields.end());
    for (const std::string& text : texts) {
      EXPECT_EQ(text.find(key.substr(0, 4)), std::string::npos) << line << " -> " << text;
      EXPECT_EQ(text.find(key.substr(5, 10)), std::string::npos) << line << " -> " << text;
    }
  }
  const ParsedConfig cidr = parse(replaced(minimalConfig(), "10.99.0.2/24", key));
  ASSERT_EQ(cidr.errors.size(), 1u);
  EXPECT_EQ(cidr.errors[0], "address: a value that looks like a key (not shown) is not CIDR notation: the part before "
                            "the / is not an IP address (e.g. 10.99.0.2/24) (agent.yaml:3)");
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-config-XXXXXX";
    directory_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string directory_;
};

TEST_F(ConfigFileTest, LoadErrorNamesTheFileAndEveryProblem) {
  const std::string path = directory_ + "/agent.yaml";
  ASSERT_TRUE(writeFileAtomically(path, "listen_port: 70000\naddress: nowhere\n", 0600).ok());
  auto loaded = loadAgentConfig(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error(),
            "config " + path + " is invalid (4 problems; fix them and retry):\n"
            "  private_key: required: a base64 WireGuard private key or keyring:<name> (agent.yaml)\n"
            "  peers: at least one peer is required, with public_key and vpn_addr (agent.yaml)\n"
            "  listen_port: \"70000\" is not a port number (0-65535) (agent.yaml:1)\n"
            "  address: \"nowhere\" is not CIDR notation: the /prefix is missing (e.g. 10.99.0.2/24) (agent.yaml:2)");
}

// On SIGHUP the new file's own key is not registered with the logger yet: the load error must hide it.
TEST_F(ConfigFileTest, LoadErrorHidesTheFilesOwnSecretsWhereverTheyAppear) {
  const std::string path = directory_ + "/agent.yaml";
  const std::string token = "nfa_live_not_registered_yet";
  ASSERT_TRUE(writeFileAtomically(path, minimalConfig() + "agent_token: " + token + "\nhost_id: 5\n" +
                                            "beacons: {scripts: [{name: \"" + token + "\", command: x, interval: 1m}, {name: \"" + token +
                                            "\", command: y, interval: 1m}]}\n", 0600)
                  .ok());
  Logger::instance().clearSecrets();
  auto loaded = loadAgentConfig(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().find(token), std::string::npos) << loaded.error();
  EXPECT_NE(loaded.error().find("[redacted]"), std::string::npos) << loaded.error();
}

// Issue 12 item 8: a FIFO as config hung `run` in open(2).
TEST_F(ConfigFileTest, FifoAndDirectoryAreRefusedAtOnce) {
  const std::string fifo = directory_ + "/agent.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto loaded = loadAgentConfig(fifo);  // before the fix: blocks forever (ctest's timeout)
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error(), "cannot load config: " + fifo +
                                " is a FIFO (named pipe), not a regular file; give the path of a regular file");
  auto directory = loadAgentConfig(directory_);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().find("is a directory, not a regular file"), std::string::npos) << directory.error();
}

TEST_F(ConfigFileTest, MissingAndOversizedFilesAreClearErrors) {
  auto missing = loadAgentConfig(directory_ + "/absent.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "cannot load config: cannot open " + directory_ + "/absent.yaml: No such file or directory");
  const std::string big = directory_ + "/big.yaml";
  ASSERT_TRUE(writeFileAtomically(big, std::string(kMaxConfigFileBytes + 1, '#'), 0600).ok());
  auto oversized = loadAgentConfig(big);
  ASSERT_FALSE(oversized.ok());
  EXPECT_NE(oversized.error().find("larger than"), std::string::npos) << oversized.error();
}

}  // namespace
}  // namespace nefia
