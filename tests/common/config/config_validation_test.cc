// One bad config per validation rule, asserting the exact message with field path and line, plus
// several problems reported at once. Messages are what an admin reads when the agent refuses to start.
#include "common/config/config_validation.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/config/config_loader.h"
#include "tests/common/config/config_test_support.h"

namespace nefia {
namespace {

using config_test::kAgentKey;
using config_test::kOtherPeerKey;
using config_test::kPeerKey;
using config_test::kShortKey;
using config_test::minimalConfig;
using Errors = std::vector<std::string>;

Errors errorsOf(const std::string& yaml) {
  return parseAgentConfig(yaml, "agent.yaml", config_test::kAcceptTesting).errors;
}

// minimalConfig() with line `line` (1-based) replaced by `replacement` ("" deletes the line).
std::string withLine(int line, const std::string& replacement) {
  const std::string base = minimalConfig();
  std::size_t start = 0;
  for (int i = 1; i < line; ++i) start = base.find('\n', start) + 1;
  const std::size_t end = base.find('\n', start) + 1;
  return base.substr(0, start) + (replacement.empty() ? "" : replacement + "\n") + base.substr(end);
}

TEST(ConfigValidationTest, PrivateKeyIsRequiredAndMustBeAKeyOrKeyringReference) {
  EXPECT_EQ(errorsOf(withLine(1, "")),
            (Errors{"private_key: required: a base64 WireGuard private key or keyring:<name> (agent.yaml)"}));
  EXPECT_EQ(errorsOf(withLine(1, "private_key: \"" + kShortKey + "\"")),
            (Errors{"private_key: not a 32-byte base64 key or keyring:<name> reference (agent.yaml:1)"}));
  EXPECT_EQ(errorsOf(withLine(1, "private_key: \"keyring:\"")),
            (Errors{"private_key: not a 32-byte base64 key or keyring:<name> reference (agent.yaml:1)"}));
  EXPECT_TRUE(errorsOf(withLine(1, "private_key: keyring:wg-key")).empty());
}

TEST(ConfigValidationTest, PrivateKeyNeverAppearsInMessages) {
  const std::string secretLooking = "c2VjcmV0LXRoYXQtaXMtbm90LTMyLWJ5dGVz";
  for (const std::string& error : errorsOf(withLine(1, "private_key: " + secretLooking))) {
    EXPECT_EQ(error.find(secretLooking), std::string::npos) << error;
  }
}

TEST(ConfigValidationTest, AddressMustBeCidr) {
  EXPECT_EQ(errorsOf(withLine(3, "")),
            (Errors{"address: required: this agent's VPN address in CIDR notation, e.g. 10.99.0.2/24 (agent.yaml)"}));
  EXPECT_EQ(errorsOf(withLine(3, "address: 10.99.0.2")),
            (Errors{"address: \"10.99.0.2\" is not CIDR notation: the /prefix is missing (e.g. 10.99.0.2/24) "
                    "(agent.yaml:3)"}));
}

// Issue 12 item 3: these passed validation, then the forwarder could not start its netstack.
TEST(ConfigValidationTest, AddressMustBeAnIpv4HostAddress) {
  const std::string advice = "; give this agent's own VPN address with the VPN's prefix, e.g. 10.99.0.2/24 (agent.yaml:3)";
  EXPECT_EQ(errorsOf(withLine(3, "address: fd00::8/64")),
            (Errors{"address: \"fd00::8/64\" is an IPv6 address; the tunnel's inner address must be IPv4 in this "
                    "version (IPv6 inside the tunnel is not supported yet)" + advice}));
  EXPECT_EQ(errorsOf(withLine(3, "address: 0.0.0.0/0")),
            (Errors{"address: \"0.0.0.0/0\" has prefix /0, which would claim every IPv4 address" + advice}));
  EXPECT_EQ(errorsOf(withLine(3, "address: 0.0.0.0/24")),
            (Errors{"address: \"0.0.0.0/24\" is not a usable host address (0.0.0.0/8, loopback, multicast and "
                    "reserved addresses are not)" + advice}));
  EXPECT_EQ(errorsOf(withLine(3, "address: 10.99.0.0/24")),
            (Errors{"address: \"10.99.0.0/24\" is the network address of its /24, not a host address" + advice}));
  EXPECT_EQ(errorsOf(withLine(3, "address: 10.99.0.255/24")),
            (Errors{"address: \"10.99.0.255/24\" is the broadcast address of its /24, not a host address" + advice}));
  for (const char* unusable : {"127.0.0.2/8", "224.0.0.5/24", "255.255.255.255/32"}) {
    EXPECT_EQ(errorsOf(withLine(3, std::string("address: ") + unusable)).size(), 1u) << unusable;
  }
  for (const char* usable : {"10.99.0.2/24", "10.99.0.0/31", "10.99.0.1/31", "10.99.0.7/32", "100.64.0.1/10"}) {
    EXPECT_TRUE(errorsOf(withLine(3, std::string("address: ") + usable)).empty()) << usable;
  }
}

TEST(ConfigValidationTest, PrivateKeyMustNotBeAllZeros) {
  EXPECT_EQ(errorsOf(withLine(1, "private_key: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"")),
            (Errors{"private_key: is all zeros, which is no usable WireGuard key; generate one with wg genkey "
                    "(agent.yaml:1)"}));
}

TEST(ConfigValidationTest, PeerMustNotBeTheAgentItselfOrAllZeros) {
  const std::string ownPublicKey = "pOCSkrZRwni5dyxWn1+puxPZBrRqtoyd+dwrRAn4ogk=";  // wg pubkey of kAgentKey
  EXPECT_EQ(errorsOf(withLine(5, "  - public_key: \"" + ownPublicKey + "\"")),
            (Errors{"peers[0].public_key: is this agent's own public key (derived from private_key); give the "
                    "operator's public key (agent.yaml:5)"}));
  EXPECT_EQ(errorsOf(withLine(5, "  - public_key: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"")),
            (Errors{"peers[0].public_key: is all zeros, which is no WireGuard public key; copy the operator's key "
                    "(wg show) (agent.yaml:5)"}));
  // With the private key in the keyring the agent cannot know its public key here: no false alarm.
  std::string keyringConfig = withLine(1, "private_key: keyring:wg");
  keyringConfig.replace(keyringConfig.find(kPeerKey), kPeerKey.size(), ownPublicKey);
  EXPECT_TRUE(errorsOf(keyringConfig).empty());
}

TEST(ConfigValidationTest, ListenPortMustBeAPortNumber) {
  EXPECT_EQ(errorsOf(withLine(2, "listen_port: 65536")),
            (Errors{"listen_port: \"65536\" is not a port number (0-65535) (agent.yaml:2)"}));
  EXPECT_EQ(errorsOf(withLine(2, "listen_port: -1")),
            (Errors{"listen_port: \"-1\" is not a port number (0-65535) (agent.yaml:2)"}));
  EXPECT_TRUE(errorsOf(withLine(2, "listen_port: 0")).empty());
  EXPECT_TRUE(errorsOf(withLine(2, "listen_port: 65535")).empty());
}

TEST(ConfigValidationTest, AtLeastOnePeerIsRequired) {
  const std::string noPeers = "private_key: \"" + kAgentKey + "\"\naddress: 10.99.0.2/24\n";
  EXPECT_EQ(errorsOf(noPeers), (Errors{"peers: at least one peer is required, with public_key and vpn_addr (agent.yaml)"}));
  EXPECT_EQ(errorsOf(noPeers + "peers: []\n"),
            (Errors{"peers: at least one peer is required, with public_key and vpn_addr (agent.yaml:3)"}));
}

TEST(ConfigValidationTest, PeerListSizeIsBounded) {
  auto peers = [](std::size_t count) {
    std::string yaml = "private_key: \"" + kAgentKey + "\"\naddress: 10.99.0.2/24\npeers:\n";
    for (std::size_t index = 0; index < count; ++index) {
      std::vector<uint8_t> key(32, 1);
      key[0] = static_cast<uint8_t>(index & 0xff);
      key[1] = static_cast<uint8_t>(index >> 8);
      yaml += "  - public_key: \"" + base64Encode(key.data(), key.size()) + "\"\n    vpn_addr: 10.99.0.1\n";
    }
    return yaml;
  };
  EXPECT_TRUE(errorsOf(peers(1000)).empty());
  EXPECT_EQ(errorsOf(peers(kMaxPeers + 1)),
            (Errors{"peers: 4097 entries; at most 4096 peers are supported (agent.yaml:3)"}));
}

TEST(ConfigValidationTest, PeerPublicKeyMustBeA32ByteKey) {
  const std::string twoPeers = minimalConfig() +
                               "  - endpoint: 192.0.2.2:51820\n"      // 8
                               "    vpn_addr: 10.99.0.3\n"            // 9
                               "    public_key: not-base64!\n";       // 10
  EXPECT_EQ(errorsOf(twoPeers), (Errors{"peers[1].public_key: not a 32-byte base64 key (agent.yaml:10)"}));
  EXPECT_EQ(errorsOf(withLine(5, "  - persistent_keepalive: 25s")),
            (Errors{"peers[0].public_key: required: the operator's base64 WireGuard public key (agent.yaml:5)"}));
}

TEST(ConfigValidationTest, PeerPublicKeysMustBeDistinct) {
  EXPECT_EQ(errorsOf(minimalConfig() + "  - public_key: \"" + kPeerKey + "\"\n    vpn_addr: 10.99.0.3\n"),
            (Errors{"peers[1].public_key: the same key appears in an earlier peer; each peer needs its own key "
                    "(agent.yaml:8)"}));
}

TEST(ConfigValidationTest, PeerVpnAddrMustBeAnIpAddress) {
  EXPECT_EQ(errorsOf(withLine(7, "")),
            (Errors{"peers[0].vpn_addr: required: the peer's VPN IP address, e.g. 10.99.0.1 (agent.yaml:5)"}));
  EXPECT_EQ(errorsOf(withLine(7, "    vpn_addr: 10.99.0.1/32")),
            (Errors{"peers[0].vpn_addr: \"10.99.0.1/32\" is not an IP address (agent.yaml:7)"}));
}

TEST(ConfigValidationTest, PeerEndpointMustBeHostPort) {
  EXPECT_EQ(errorsOf(withLine(6, "    endpoint: 192.0.2.1")),
            (Errors{"peers[0].endpoint: \"192.0.2.1\" is not host:port: the port is missing (e.g. 192.0.2.1:51820, "
                    "[2001:db8::1]:51820 or relay.example.com:51820) (agent.yaml:6)"}));
  EXPECT_EQ(errorsOf(withLine(6, "    endpoint: operator.example.com:70000")),
            (Errors{"peers[0].endpoint: \"operator.example.com:70000\" is not host:port: the port must be a number "
                    "1-65535 (agent.yaml:6)"}));
  EXPECT_TRUE(errorsOf(withLine(6, "    endpoint: \"[2001:db8::1]:51820\"")).empty());
  EXPECT_TRUE(errorsOf(withLine(6, "    endpoint: operator.example.com:51820")).empty());
  EXPECT_TRUE(errorsOf(withLine(6, "")).empty());
}

TEST(ConfigValidationTest, PeerKeepaliveMustBeWholeSecondsWithinWireGuardRange) {
  const std::string message =
      "peers[0].persistent_keepalive: must be whole seconds from 1s to 65535s (e.g. 25s), or 0 to disable (agent.yaml:8)";
  EXPECT_EQ(errorsOf(minimalConfig() + "    persistent_keepalive: 1.5s\n"), (Errors{message}));
  EXPECT_EQ(errorsOf(minimalConfig() + "    persistent_keepalive: 20h\n"), (Errors{message}));
  EXPECT_EQ(errorsOf(minimalConfig() + "    persistent_keepalive: -5s\n"), (Errors{message}));
  EXPECT_EQ(errorsOf(minimalConfig() + "    persistent_keepalive: 25\n"),
            (Errors{"peers[0].persistent_keepalive: \"25\" is not a duration: missing unit; use Go syntax such as "
                    "30s, 5m, 1h30m or 300ms (agent.yaml:8)"}));
}

TEST(ConfigValidationTest, DnsEntriesMustBeIpAddresses) {
  EXPECT_EQ(errorsOf(minimalConfig() + "dns:\n  - 10.99.0.1\n  - dns.example.com\n"),
            (Errors{"dns[1]: \"dns.example.com\" is not an IP address (agent.yaml:10)"}));
}

TEST(ConfigValidationTest, SshAddrMustBeHostPort) {
  EXPECT_EQ(errorsOf(minimalConfig() + "ssh_addr: 127.0.0.1\n"),
            (Errors{"ssh_addr: \"127.0.0.1\" is not host:port: the port is missing (e.g. 192.0.2.1:51820, "
                    "[2001:db8::1]:51820 or relay.example.com:51820) (agent.yaml:8)"}));
  EXPECT_TRUE(errorsOf(minimalConfig() + "ssh_addr: \"[::1]:2222\"\n").empty());
}

TEST(ConfigValidationTest, UrlsMustBeHttps) {
  EXPECT_EQ(errorsOf(minimalConfig() + "cloud_api_base: http://api.nefia.ai\n"),
            (Errors{"cloud_api_base: \"http://api.nefia.ai\" must be an https:// URL, e.g. https://api.nefia.ai "
                    "(agent.yaml:8)"}));
  EXPECT_EQ(errorsOf(minimalConfig() + "update_server_url: \"https:// updates\"\n"),
            (Errors{"update_server_url: \"https:// updates\" must be an https:// URL, e.g. https://updates.example.com "
                    "(agent.yaml:8)"}));
  EXPECT_TRUE(errorsOf(minimalConfig() + "cloud_api_base: https://api.nefia.ai/v1\n").empty());
}

TEST(ConfigValidationTest, AgentTokenKeyringReferenceIsFixed) {
  EXPECT_EQ(errorsOf(minimalConfig() + "agent_token: keyring:other\n"),
            (Errors{"agent_token: the only keyring reference accepted here is keyring:agent-token (agent.yaml:8)"}));
  EXPECT_TRUE(errorsOf(minimalConfig() + "agent_token: keyring:agent-token\n").empty());
  EXPECT_TRUE(errorsOf(minimalConfig() + "agent_token: nfa_0123456789abcdef\n").empty());
}

TEST(ConfigValidationTest, TokenExpiryMustBeRfc3339) {
  EXPECT_EQ(errorsOf(minimalConfig() + "agent_token_expires_at: 2026-06-01\n"),
            (Errors{"agent_token_expires_at: \"2026-06-01\" is not an RFC 3339 time; use the form 2026-06-01T00:00:00Z "
                    "or 2026-06-01T09:00:00+09:00 (agent.yaml:8)"}));
}

TEST(ConfigValidationTest, StunServersMustBeHostPort) {
  EXPECT_EQ(errorsOf(minimalConfig() + "stun_servers: [\"stun.example.com:3478\", \"stun.example.com\"]\n"),
            (Errors{"stun_servers[1]: \"stun.example.com\" is not host:port: the port is missing (e.g. 192.0.2.1:51820, "
                    "[2001:db8::1]:51820 or relay.example.com:51820) (agent.yaml:8)"}));
}

TEST(ConfigValidationTest, EndpointRefreshMustNotBeNegative) {
  EXPECT_EQ(errorsOf(minimalConfig() + "endpoint_refresh: -5m\n"),
            (Errors{"endpoint_refresh: must not be negative; use 0 to disable periodic refresh (agent.yaml:8)"}));
  EXPECT_TRUE(errorsOf(minimalConfig() + "endpoint_refresh: \"0\"\n").empty());
  EXPECT_TRUE(errorsOf(minimalConfig() + "endpoint_refresh: \"\"\n").empty());
}

TEST(ConfigValidationTest, DerpProbeIntervalMustBeAtLeast30Seconds) {
  EXPECT_EQ(errorsOf(minimalConfig() + "derp_probe_interval: 10s\n"),
            (Errors{"derp_probe_interval: must be at least 30s, got 10s (agent.yaml:8)"}));
  EXPECT_EQ(errorsOf(minimalConfig() + "derp_probe_interval: soon\n"),
            (Errors{"derp_probe_interval: \"soon\" is not a duration: expected a number; use Go syntax such as 30s, "
                    "5m, 1h30m or 300ms (agent.yaml:8)"}));
  EXPECT_TRUE(errorsOf(minimalConfig() + "derp_probe_interval: 30s\n").empty());
}

TEST(ConfigValidationTest, DerpServersNeedUniqueNamesAndHttpsUrls) {
  EXPECT_EQ(errorsOf(minimalConfig() +
                     "derp_servers:\n"                              // 8
                     "  - name: tokyo\n"                            // 9
                     "    url: https://derp-tokyo.example.com\n"    // 10
                     "  - name: tokyo\n"                            // 11
                     "    url: derp.example.com\n"                  // 12
                     "  - region: eu\n"),                           // 13
            (Errors{"derp_servers[1].name: \"tokyo\" is used by an earlier relay; names must be unique (agent.yaml:11)",
                    "derp_servers[1].url: \"derp.example.com\" must be an https:// URL, e.g. https://derp1.example.com "
                    "(agent.yaml:12)",
                    "derp_servers[2].name: required: a short unique name for this relay (agent.yaml:13)",
                    "derp_servers[2].url: required: the relay's https:// URL (agent.yaml:13)"}));
}

TEST(ConfigValidationTest, BeaconIntervalsMustBePositive) {
  EXPECT_EQ(errorsOf(minimalConfig() +
                     "beacons:\n"                         // 8
                     "  disk_usage:\n"                    // 9
                     "    interval: \"0\"\n"              // 10
                     "  service_check:\n"                 // 11
                     "    interval: -30s\n"               // 12
                     "  scripts:\n"                       // 13
                     "    - name: a\n"                    // 14
                     "      command: /bin/true\n"         // 15
                     "    - name: b\n"                    // 16
                     "      command: /bin/true\n"         // 17
                     "      interval: -1m\n"),            // 18
            (Errors{"beacons.disk_usage.interval: must be a positive duration such as 30s or 5m (agent.yaml:10)",
                    "beacons.service_check.interval: must be a positive duration such as 30s or 5m (agent.yaml:12)",
                    "beacons.scripts[0].interval: required: how often to run it, e.g. 10m (agent.yaml:14)",
                    "beacons.scripts[1].interval: must be a positive duration such as 30s or 5m (agent.yaml:18)"}));
}

TEST(ConfigValidationTest, DiskThresholdsArePercentagesWithWarningBelowCritical) {
  const std::string prefix = minimalConfig() + "beacons:\n  disk_usage:\n";  // disk_usage fields from line 10
  EXPECT_EQ(errorsOf(prefix + "    warning_percent: 101\n    critical_percent: -1\n"),
            (Errors{"beacons.disk_usage.warning_percent: 101 is not a percentage (0-100) (agent.yaml:10)",
                    "beacons.disk_usage.critical_percent: -1 is not a percentage (0-100) (agent.yaml:11)"}));
  EXPECT_EQ(errorsOf(prefix + "    warning_percent: 90\n    critical_percent: 90\n"),
            (Errors{"beacons.disk_usage.warning_percent: must be lower than critical_percent (90 >= 90) (agent.yaml:10)"}));
}

TEST(ConfigValidationTest, EnabledBeaconsNeedSomethingToWatch) {
  EXPECT_EQ(errorsOf(minimalConfig() +
                     "beacons:\n"                       // 8
                     "  disk_usage:\n"                  // 9
                     "    enabled: true\n"              // 10
                     "    paths: [home]\n"              // 11
                     "  service_check:\n"               // 12
                     "    enabled: true\n"),            // 13
            (Errors{"beacons.disk_usage.paths[0]: \"home\" must be an absolute path such as /home (agent.yaml:11)",
                    "beacons.service_check.services: at least one service is required when service_check is enabled "
                    "(agent.yaml:12)"}));
  EXPECT_EQ(errorsOf(minimalConfig() + "beacons:\n  disk_usage:\n    enabled: true\n"),
            (Errors{"beacons.disk_usage.paths: at least one mount point is required when disk_usage is enabled "
                    "(agent.yaml:9)"}));
}

TEST(ConfigValidationTest, ServiceNamesCannotBeOptions) {
  EXPECT_EQ(errorsOf(minimalConfig() + "beacons:\n  service_check:\n    services: [nginx, --all]\n"),
            (Errors{"beacons.service_check.services[1]: \"--all\" is not a systemd unit name such as nginx or "
                    "postgresql.service (agent.yaml:10)"}));
}

TEST(ConfigValidationTest, ScriptsNeedUniqueNameAndCommand) {
  EXPECT_EQ(errorsOf(minimalConfig() +
                     "beacons:\n"                        // 8
                     "  scripts:\n"                      // 9
                     "    - name: check\n"               // 10
                     "      command: /bin/true\n"        // 11
                     "      interval: 1m\n"              // 12
                     "    - name: check\n"               // 13
                     "      interval: 1m\n"),            // 14
            (Errors{"beacons.scripts[1].name: \"check\" is used by an earlier script; names must be unique (agent.yaml:13)",
                    "beacons.scripts[1].command: required: the program to run, e.g. /opt/scripts/check.sh (agent.yaml:13)"}));
}

TEST(ConfigValidationTest, TestingDurationsMustBePositiveAndOrdered) {
  EXPECT_EQ(errorsOf(minimalConfig() +
                     "testing:\n"                              // 8
                     "  report_interval: \"0\"\n"              // 9
                     "  rebuild_initial_backoff: 10m\n"),      // 10
            (Errors{"testing.report_interval: must be a positive duration such as 30s or 5m (agent.yaml:9)",
                    "testing.rebuild_initial_backoff: must not exceed rebuild_max_backoff (agent.yaml:10)"}));
}

TEST(ConfigValidationTest, ReportsEveryProblemAtOnceInLineOrder) {
  const std::string yaml = "listen_port: 99999\n"                                  // 1
                           "address: 10.99.0.300/24\n"                             // 2
                           "peers:\n"                                              // 3
                           "  - public_key: \"" + kOtherPeerKey + "\"\n"           // 4
                           "    vpn_addr: 10.99.0.1\n"                             // 5
                           "  - public_key: \"" + kShortKey + "\"\n"               // 6
                           "    vpn_addr: nowhere\n"                               // 7
                           "derp_probe_interval: 1s\n";                            // 8
  EXPECT_EQ(errorsOf(yaml),
            (Errors{"private_key: required: a base64 WireGuard private key or keyring:<name> (agent.yaml)",
                    "listen_port: \"99999\" is not a port number (0-65535) (agent.yaml:1)",
                    "address: \"10.99.0.300/24\" is not CIDR notation: \"10.99.0.300\" is not an IP address "
                    "(e.g. 10.99.0.2/24) (agent.yaml:2)",
                    "peers[1].public_key: not a 32-byte base64 key (agent.yaml:6)",
                    "peers[1].vpn_addr: \"nowhere\" is not an IP address (agent.yaml:7)",
                    "derp_probe_interval: must be at least 30s, got 1s (agent.yaml:8)"}));
}

TEST(ConfigValidationTest, ConfigsBuiltInCodeAreValidatedWithoutLines) {
  AgentConfig config;
  config.privateKey = kAgentKey;
  config.address = "10.99.0.2/24";
  EXPECT_EQ(validateAgentConfig(config), (Errors{"peers: at least one peer is required, with public_key and vpn_addr"}));
  config.peers.push_back(PeerEntry{kPeerKey, "", "10.99.0.1", Duration::zero()});
  EXPECT_TRUE(validateAgentConfig(config).empty());
}

}  // namespace
}  // namespace nefia

namespace nefia {
namespace {

TEST(ConfigValidationTest, ScriptTimeoutIsOptionalPositiveAndDefaultsToIntervalCappedAt60s) {
  const std::string prefix = minimalConfig() +
                             "beacons:\n"                 // 8
                             "  scripts:\n"               // 9
                             "    - name: a\n"            // 10
                             "      command: /bin/true\n"  // 11
                             "      interval: 10m\n";     // 12
  EXPECT_EQ(errorsOf(prefix + "      timeout: -5s\n"),
            (Errors{"beacons.scripts[0].timeout: must be a positive duration such as 30s or 5m (agent.yaml:13)"}));
  ScriptBeacon script{"a", "/bin/true", std::chrono::minutes(10), Duration::zero()};
  EXPECT_EQ(effectiveScriptTimeout(script), std::chrono::seconds(60));
  script.interval = std::chrono::seconds(20);
  EXPECT_EQ(effectiveScriptTimeout(script), std::chrono::seconds(20));
  script.timeout = std::chrono::minutes(5);
  EXPECT_EQ(effectiveScriptTimeout(script), std::chrono::minutes(5));
  auto parsed = parseAgentConfig(prefix + "      timeout: 2m\n", "agent.yaml", config_test::kAcceptTesting);
  ASSERT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.config.beacons.scripts[0].timeout, std::chrono::minutes(2));
}

TEST(ConfigValidationTest, BeaconListsAndCommandsAreBoundedSoTheirSettingsFitOneMessage) {
  std::string yaml = minimalConfig() + "beacons:\n  service_check:\n    services:\n";
  for (int i = 0; i < 33; ++i) yaml += "      - unit" + std::to_string(i) + "\n";
  yaml += "  scripts:\n    - name: long\n      interval: 1m\n      command: " + std::string(1025, 'x') + "\n";
  EXPECT_EQ(errorsOf(yaml),
            (Errors{"beacons.service_check.services: 33 entries; at most 32 are supported (agent.yaml:10)",
                    "beacons.scripts[0].command: must be at most 1024 bytes long; put a longer command into a script "
                    "file (agent.yaml:47)"}));
}

}  // namespace
}  // namespace nefia
