// The agent's configuration (~/.nefia/agent.yaml) as typed values with the reference's defaults.
// Plain data: no parsing, no I/O. Secrets (private_key, agent_token) must never be logged from here.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/go_duration.h"

namespace nefia {

constexpr uint16_t kDefaultListenPort = 51820;
constexpr std::string_view kDefaultSshAddr = "127.0.0.1:22";
constexpr bool kDefaultDerpAutoSelect = true;
constexpr Duration kDefaultDerpProbeInterval = std::chrono::minutes(5);
constexpr Duration kMinimumDerpProbeInterval = std::chrono::seconds(30);
// Keepalive for peers that have an endpoint and no persistent_keepalive of their own (NAT bindings).
constexpr Duration kDefaultPersistentKeepalive = std::chrono::seconds(25);
// The most peers one agent takes: their settings and status cross the IPC in parts (ipc/message_parts.h).
constexpr std::size_t kMaxPeers = 4096;
constexpr std::string_view kKeyringPrefix = "keyring:";
constexpr std::string_view kAgentTokenKeyringReference = "keyring:agent-token";

// True for "keyring:<name>" with a non-empty name: the secret lives in the OS keyring.
bool isKeyringReference(std::string_view value);

struct PeerEntry {
  std::string publicKey;  // base64 of 32 bytes
  std::string endpoint;   // "ip:port" or "host:port"; empty for incoming-only peers
  std::string vpnAddr;    // an IP address
  // Resolved at load: the configured value, or 25s with an endpoint and 0 without one. 0 disables.
  Duration persistentKeepalive = Duration::zero();
  bool operator==(const PeerEntry&) const = default;
};

struct DerpServer {
  std::string name;      // unique, used in logs and in the health report
  std::string url;       // https://
  std::string region;    // free text, optional
  uint16_t stunPort = 0;  // 0: this relay offers no STUN
  bool operator==(const DerpServer&) const = default;
};

struct DiskUsageBeacon {
  bool enabled = false;
  Duration interval = std::chrono::minutes(5);
  int warningPercent = 80;
  int criticalPercent = 90;
  std::vector<std::string> paths;
  bool operator==(const DiskUsageBeacon&) const = default;
};

struct ServiceCheckBeacon {
  bool enabled = false;
  Duration interval = std::chrono::seconds(30);
  std::vector<std::string> services;
  bool operator==(const ServiceCheckBeacon&) const = default;
};

struct ScriptBeacon {
  std::string name;
  std::string command;
  Duration interval = Duration::zero();  // required: no default
  Duration timeout = Duration::zero();   // 0: the smaller of interval and kDefaultMaxScriptTimeout
  bool operator==(const ScriptBeacon&) const = default;
};

// A script's timeout when it sets none: min(interval, this).
constexpr Duration kDefaultMaxScriptTimeout = std::chrono::seconds(60);
// Bounds that keep the beacons' settings inside one IPC frame (ipc/settings_payloads.h says the same).
constexpr std::size_t kMaxBeaconEntries = 32;  // paths, services and scripts, each
constexpr std::size_t kMaxScriptCommandBytes = 1024;
constexpr std::size_t kMaxScriptNameBytes = 128;
constexpr std::size_t kMaxBeaconPathBytes = 256;

struct BeaconsConfig {
  DiskUsageBeacon diskUsage;
  ServiceCheckBeacon serviceCheck;
  std::vector<ScriptBeacon> scripts;
  bool operator==(const BeaconsConfig&) const = default;
};

enum class FaultWorker { kTunnel, kForwarder, kBeacons, kUpdater };
enum class FaultMode { kCrashAtStart, kHang, kGarbage };
const char* toString(FaultWorker worker);
const char* toString(FaultMode mode);
std::optional<FaultWorker> parseFaultWorker(std::string_view text);  // "tunnel", "forwarder", ...
std::optional<FaultMode> parseFaultMode(std::string_view text);      // "crash_at_start", "hang", "garbage"

struct FaultInjection {
  FaultWorker worker = FaultWorker::kTunnel;
  FaultMode mode = FaultMode::kCrashAtStart;
  bool operator==(const FaultInjection&) const = default;
};

// The `testing:` section. Only NEFIA_TEST_HOOKS builds accept it in a file; the fields exist in every
// build so that the supervisor reads its timings from one place. Defaults are the product's timings.
struct TestingConfig {
  Duration reportInterval = std::chrono::seconds(10);
  Duration watchdogHealthyInterval = std::chrono::seconds(60);
  Duration watchdogUnhealthyInterval = std::chrono::seconds(15);
  Duration rebuildInitialBackoff = std::chrono::seconds(5);
  Duration rebuildMaxBackoff = std::chrono::minutes(5);
  Duration rebuildCooldown = std::chrono::minutes(30);
  Duration rebuildHandshakeDeadline = std::chrono::seconds(20);
  Duration restartHealthyPeriod = std::chrono::seconds(60);
  Duration beaconHeartbeatInterval = std::chrono::minutes(15);  // the periodic repeat of every beacon state
  std::optional<FaultInjection> fault;
  bool operator==(const TestingConfig&) const = default;
};

struct AgentConfig {
  std::string privateKey;  // base64 of 32 bytes, or "keyring:<name>"
  uint16_t listenPort = kDefaultListenPort;
  std::string address;  // CIDR, e.g. 10.99.0.2/24
  std::vector<std::string> dns;
  std::string sshAddr{kDefaultSshAddr};
  std::vector<PeerEntry> peers;
  std::string updateServerUrl;
  std::string agentToken;  // plaintext, or "keyring:agent-token"
  std::string agentTokenExpiresAt;  // RFC 3339
  std::string hostId;
  std::vector<std::string> stunServers;
  Duration endpointRefresh = Duration::zero();  // 0: no periodic refresh
  std::string cloudApiBase;
  std::vector<DerpServer> derpServers;
  bool derpAutoSelect = kDefaultDerpAutoSelect;
  Duration derpProbeInterval = kDefaultDerpProbeInterval;
  BeaconsConfig beacons;
  TestingConfig testing;
  bool operator==(const AgentConfig&) const = default;
};

// Tells the logger to redact the plaintext private_key and agent_token of config (keyring references
// are not secret). Call it for every config the process loads, before anything logs.
void registerConfigSecrets(const AgentConfig& config);

// The timeout a script runs under: its own, else the smaller of its interval and 60 s.
inline Duration effectiveScriptTimeout(const ScriptBeacon& script) {
  if (script.timeout > Duration::zero()) return script.timeout;
  return std::min(script.interval, kDefaultMaxScriptTimeout);
}

// The keepalive a peer gets when its entry has no persistent_keepalive.
inline Duration defaultKeepaliveFor(const PeerEntry& peer) {
  return peer.endpoint.empty() ? Duration::zero() : kDefaultPersistentKeepalive;
}

}  // namespace nefia
