// Value checks for AgentConfig, one rule per field in the reference's table order. Types and syntax of
// the YAML itself are the loader's; this file only sees typed values, so it also serves configs built in code.
#include "common/config/config_validation.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "common/base64.h"
#include "common/config/net_address.h"
#include "common/config/rfc3339.h"
#include "common/secret_text.h"

namespace nefia {
namespace {

constexpr int64_t kMaxKeepaliveSeconds = 65535;

std::string quoted(const std::string& text) { return quoteUnlessSecret(text); }

void checkHostPort(const std::string& value, const std::string& path, ConfigProblems& problems) {
  auto parsed = parseHostPort(value);
  if (!parsed.ok()) problems.add(path, parsed.error());
}

void checkPositive(Duration value, const std::string& path, ConfigProblems& problems) {
  if (value <= Duration::zero()) problems.add(path, "must be a positive duration such as 30s or 5m");
}

void checkHttpsUrl(const std::string& value, const std::string& path, const char* example, ConfigProblems& problems) {
  if (!isHttpsUrl(value)) problems.add(path, quoted(value) + " must be an https:// URL, e.g. " + example);
}

// The tunnel's inner address: IPv4 only in this version (the forwarder's netstack serves one IPv4 address),
// and an address a host can have: not the network or broadcast address of its prefix, not 0/8, 127/8,
// multicast or reserved.
void checkHostAddress(const std::string& text, ConfigProblems& problems) {
  auto cidr = parseCidr(text);
  if (!cidr.ok()) {
    problems.add("address", cidr.error());
    return;
  }
  const std::string example = "; give this agent's own VPN address with the VPN's prefix, e.g. 10.99.0.2/24";
  if (cidr->address.family != IpFamily::kIpv4) {
    problems.add("address", quoted(text) + " is an IPv6 address; the tunnel's inner address must be IPv4 in this "
                                           "version (IPv6 inside the tunnel is not supported yet)" + example);
    return;
  }
  const uint8_t* bytes = cidr->address.bytes.data();
  const uint32_t host = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
  const int prefix = cidr->prefixLength;
  if (prefix == 0) {
    problems.add("address", quoted(text) + " has prefix /0, which would claim every IPv4 address" + example);
    return;
  }
  if (bytes[0] == 0 || bytes[0] == 127 || bytes[0] >= 224) {
    problems.add("address", quoted(text) + " is not a usable host address (0.0.0.0/8, loopback, multicast and "
                                           "reserved addresses are not)" + example);
    return;
  }
  if (prefix <= 30) {
    const uint32_t hostBits = 0xffffffffu >> prefix;
    if ((host & hostBits) == 0) {
      problems.add("address", quoted(text) + " is the network address of its /" + std::to_string(prefix) +
                                  ", not a host address" + example);
    } else if ((host & hostBits) == hostBits) {
      problems.add("address", quoted(text) + " is the broadcast address of its /" + std::to_string(prefix) +
                                  ", not a host address" + example);
    }
  }
}

bool allZero(const std::vector<uint8_t>& bytes) {
  uint8_t any = 0;
  for (uint8_t byte : bytes) any |= byte;
  return any == 0;
}

// The plaintext private_key: a 32-byte key that is not all zeros. Its public key is returned so that the peers
// can be checked against it (a peer with the agent's own key can never complete a handshake).
std::optional<std::array<uint8_t, crypto_scalarmult_BYTES>> checkPrivateKey(const std::string& key,
                                                                            ConfigProblems& problems) {
  if (key.empty()) {
    problems.add("private_key", "required: a base64 WireGuard private key or keyring:<name>");
    return std::nullopt;
  }
  if (isKeyringReference(key)) return std::nullopt;
  auto decoded = base64Decode(key);
  if (!decoded || decoded->size() != crypto_scalarmult_SCALARBYTES) {
    problems.add("private_key", "not a 32-byte base64 key or keyring:<name> reference");
    return std::nullopt;
  }
  if (allZero(*decoded)) {
    problems.add("private_key", "is all zeros, which is no usable WireGuard key; generate one with wg genkey");
    return std::nullopt;
  }
  std::array<uint8_t, crypto_scalarmult_BYTES> publicKey{};
  const int derived = crypto_scalarmult_base(publicKey.data(), decoded->data());
  sodium_memzero(decoded->data(), decoded->size());
  if (derived != 0) return std::nullopt;
  return publicKey;
}

void checkPeerKey(const PeerEntry& peer, const std::string& path, const std::optional<std::array<uint8_t, 32>>& own,
                  std::set<std::string>& keys, ConfigProblems& problems) {
  const std::string field = path + ".public_key";
  if (peer.publicKey.empty()) {
    problems.add(field, "required: the operator's base64 WireGuard public key");
    return;
  }
  auto decoded = base64Decode(peer.publicKey);
  if (!decoded || decoded->size() != 32) {
    problems.add(field, "not a 32-byte base64 key");
  } else if (allZero(*decoded)) {
    problems.add(field, "is all zeros, which is no WireGuard public key; copy the operator's key (wg show)");
  } else if (own && std::equal(own->begin(), own->end(), decoded->begin())) {
    problems.add(field, "is this agent's own public key (derived from private_key); give the operator's public key");
  } else if (!keys.insert(peer.publicKey).second) {
    problems.add(field, "the same key appears in an earlier peer; each peer needs its own key");
  }
}

void checkPeers(const AgentConfig& config, const std::optional<std::array<uint8_t, 32>>& ownPublicKey,
                ConfigProblems& problems) {
  if (config.peers.empty()) {
    problems.add("peers", "at least one peer is required, with public_key and vpn_addr");
    return;
  }
  if (config.peers.size() > kMaxPeers) {
    problems.add("peers", std::to_string(config.peers.size()) + " entries; at most " + std::to_string(kMaxPeers) +
                              " peers are supported");
    return;
  }
  std::set<std::string> keys;
  for (std::size_t i = 0; i < config.peers.size(); ++i) {
    const PeerEntry& peer = config.peers[i];
    const std::string path = "peers[" + std::to_string(i) + "]";
    checkPeerKey(peer, path, ownPublicKey, keys, problems);
    if (!peer.endpoint.empty()) checkHostPort(peer.endpoint, path + ".endpoint", problems);
    if (peer.vpnAddr.empty()) {
      problems.add(path + ".vpn_addr", "required: the peer's VPN IP address, e.g. 10.99.0.1");
    } else if (auto address = parseIpAddress(peer.vpnAddr); !address.ok()) {
      problems.add(path + ".vpn_addr", address.error());
    }
    const Duration keepalive = peer.persistentKeepalive;
    if (keepalive < Duration::zero() || keepalive > std::chrono::seconds(kMaxKeepaliveSeconds) ||
        keepalive % std::chrono::seconds(1) != Duration::zero()) {
      problems.add(path + ".persistent_keepalive", "must be whole seconds from 1s to 65535s (e.g. 25s), or 0 to disable");
    }
  }
}

void checkDerpServers(const AgentConfig& config, ConfigProblems& problems) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < config.derpServers.size(); ++i) {
    const DerpServer& server = config.derpServers[i];
    const std::string path = "derp_servers[" + std::to_string(i) + "]";
    if (server.name.empty()) {
      problems.add(path + ".name", "required: a short unique name for this relay");
    } else if (!names.insert(server.name).second) {
      problems.add(path + ".name", quoted(server.name) + " is used by an earlier relay; names must be unique");
    }
    if (server.url.empty()) {
      problems.add(path + ".url", "required: the relay's https:// URL");
    } else {
      checkHttpsUrl(server.url, path + ".url", "https://derp1.example.com", problems);
    }
  }
  if (config.derpProbeInterval < kMinimumDerpProbeInterval) {
    problems.add("derp_probe_interval", "must be at least 30s, got " + formatGoDuration(config.derpProbeInterval));
  }
}

// systemd unit names; a leading '-' would be taken as an option by systemctl.
bool isServiceName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '-') return false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != ':' && c != '_' && c != '.' && c != '\\' && c != '@' && c != '-') return false;
  }
  return true;
}

// The counts and lengths the beacons worker's settings can carry in one frame.
void checkBeaconBounds(const BeaconsConfig& beacons, ConfigProblems& problems) {
  const std::pair<std::size_t, const char*> counts[] = {{beacons.diskUsage.paths.size(), "beacons.disk_usage.paths"},
                                                        {beacons.serviceCheck.services.size(), "beacons.service_check.services"},
                                                        {beacons.scripts.size(), "beacons.scripts"}};
  for (const auto& [count, path] : counts) {
    if (count > kMaxBeaconEntries) {
      problems.add(path, std::to_string(count) + " entries; at most " + std::to_string(kMaxBeaconEntries) + " are supported");
    }
  }
  for (const auto& [list, path] : {std::pair{&beacons.diskUsage.paths, "beacons.disk_usage.paths"},
                                   std::pair{&beacons.serviceCheck.services, "beacons.service_check.services"}}) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i].size() > kMaxBeaconPathBytes) {
        problems.add(std::string(path) + "[" + std::to_string(i) + "]",
                     "must be at most " + std::to_string(kMaxBeaconPathBytes) + " bytes long");
      }
    }
  }
}

void checkBeacons(const BeaconsConfig& beacons, ConfigProblems& problems) {
  const DiskUsageBeacon& disk = beacons.diskUsage;
  checkPositive(disk.interval, "beacons.disk_usage.interval", problems);
  bool percentsInRange = true;
  for (const auto& [value, path] : {std::pair{disk.warningPercent, "beacons.disk_usage.warning_percent"},
                                    std::pair{disk.criticalPercent, "beacons.disk_usage.critical_percent"}}) {
    if (value < 0 || value > 100) {
      problems.add(path, std::to_string(value) + " is not a percentage (0-100)");
      percentsInRange = false;
    }
  }
  if (percentsInRange && disk.warningPercent >= disk.criticalPercent) {
    problems.add("beacons.disk_usage.warning_percent", "must be lower than critical_percent (" +
                                                           std::to_string(disk.warningPercent) + " >= " +
                                                           std::to_string(disk.criticalPercent) + ")");
  }
  if (disk.enabled && disk.paths.empty()) {
    problems.add("beacons.disk_usage.paths", "at least one mount point is required when disk_usage is enabled");
  }
  for (std::size_t i = 0; i < disk.paths.size(); ++i) {
    if (disk.paths[i].empty() || disk.paths[i].front() != '/') {
      problems.add("beacons.disk_usage.paths[" + std::to_string(i) + "]",
                   quoted(disk.paths[i]) + " must be an absolute path such as /home");
    }
  }

  const ServiceCheckBeacon& services = beacons.serviceCheck;
  checkPositive(services.interval, "beacons.service_check.interval", problems);
  if (services.enabled && services.services.empty()) {
    problems.add("beacons.service_check.services", "at least one service is required when service_check is enabled");
  }
  for (std::size_t i = 0; i < services.services.size(); ++i) {
    if (!isServiceName(services.services[i])) {
      problems.add("beacons.service_check.services[" + std::to_string(i) + "]",
                   quoted(services.services[i]) + " is not a systemd unit name such as nginx or postgresql.service");
    }
  }

  std::set<std::string> names;
  for (std::size_t i = 0; i < beacons.scripts.size(); ++i) {
    const ScriptBeacon& script = beacons.scripts[i];
    const std::string path = "beacons.scripts[" + std::to_string(i) + "]";
    if (script.name.empty()) {
      problems.add(path + ".name", "required: a short unique name for this check");
    } else if (!names.insert(script.name).second) {
      problems.add(path + ".name", quoted(script.name) + " is used by an earlier script; names must be unique");
    }
    if (script.command.empty()) problems.add(path + ".command", "required: the program to run, e.g. /opt/scripts/check.sh");
    if (script.interval == Duration::zero()) {
      problems.add(path + ".interval", "required: how often to run it, e.g. 10m");
    } else {
      checkPositive(script.interval, path + ".interval", problems);
    }
    if (script.timeout != Duration::zero()) checkPositive(script.timeout, path + ".timeout", problems);
    if (script.name.size() > kMaxScriptNameBytes) {
      problems.add(path + ".name", "must be at most " + std::to_string(kMaxScriptNameBytes) + " bytes long");
    }
    if (script.command.size() > kMaxScriptCommandBytes) {
      problems.add(path + ".command", "must be at most " + std::to_string(kMaxScriptCommandBytes) +
                                          " bytes long; put a longer command into a script file");
    }
  }
  checkBeaconBounds(beacons, problems);
}

void checkTesting(const TestingConfig& testing, ConfigProblems& problems) {
  const std::pair<Duration, const char*> durations[] = {
      {testing.reportInterval, "testing.report_interval"},
      {testing.watchdogHealthyInterval, "testing.watchdog_healthy_interval"},
      {testing.watchdogUnhealthyInterval, "testing.watchdog_unhealthy_interval"},
      {testing.rebuildInitialBackoff, "testing.rebuild_initial_backoff"},
      {testing.rebuildMaxBackoff, "testing.rebuild_max_backoff"},
      {testing.rebuildCooldown, "testing.rebuild_cooldown"},
      {testing.rebuildHandshakeDeadline, "testing.rebuild_handshake_deadline"},
      {testing.restartHealthyPeriod, "testing.restart_healthy_period"},
      {testing.beaconHeartbeatInterval, "testing.beacon_heartbeat_interval"},
  };
  for (const auto& [value, path] : durations) checkPositive(value, path, problems);
  if (testing.rebuildInitialBackoff > testing.rebuildMaxBackoff) {
    problems.add("testing.rebuild_initial_backoff", "must not exceed rebuild_max_backoff");
  }
}

}  // namespace

bool isHttpsUrl(const std::string& text) {
  constexpr std::string_view kScheme = "https://";
  if (text.compare(0, kScheme.size(), kScheme) != 0) return false;
  const std::size_t hostEnd = text.find_first_of("/?#", kScheme.size());
  const std::size_t hostLength = (hostEnd == std::string::npos ? text.size() : hostEnd) - kScheme.size();
  if (hostLength == 0) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

void validateAgentConfig(const AgentConfig& config, ConfigProblems& problems) {
  const auto ownPublicKey = checkPrivateKey(config.privateKey, problems);
  if (config.address.empty()) {
    problems.add("address", "required: this agent's VPN address in CIDR notation, e.g. 10.99.0.2/24");
  } else {
    checkHostAddress(config.address, problems);
  }
  for (std::size_t i = 0; i < config.dns.size(); ++i) {
    if (auto address = parseIpAddress(config.dns[i]); !address.ok()) {
      problems.add("dns[" + std::to_string(i) + "]", address.error());
    }
  }
  checkHostPort(config.sshAddr, "ssh_addr", problems);
  checkPeers(config, ownPublicKey, problems);
  if (!config.updateServerUrl.empty()) {
    checkHttpsUrl(config.updateServerUrl, "update_server_url", "https://updates.example.com", problems);
  }
  if (config.agentToken.substr(0, kKeyringPrefix.size()) == kKeyringPrefix &&
      config.agentToken != kAgentTokenKeyringReference) {
    problems.add("agent_token", "the only keyring reference accepted here is keyring:agent-token");
  }
  if (!config.agentTokenExpiresAt.empty()) {
    if (auto time = parseRfc3339(config.agentTokenExpiresAt); !time.ok()) {
      problems.add("agent_token_expires_at", time.error());
    }
  }
  for (std::size_t i = 0; i < config.stunServers.size(); ++i) {
    checkHostPort(config.stunServers[i], "stun_servers[" + std::to_string(i) + "]", problems);
  }
  if (config.endpointRefresh < Duration::zero()) {
    problems.add("endpoint_refresh", "must not be negative; use 0 to disable periodic refresh");
  }
  if (!config.cloudApiBase.empty()) {
    checkHttpsUrl(config.cloudApiBase, "cloud_api_base", "https://api.nefia.ai", problems);
  }
  checkDerpServers(config, problems);
  checkBeacons(config.beacons, problems);
  checkTesting(config.testing, problems);
}

std::vector<std::string> validateAgentConfig(const AgentConfig& config) {
  const ConfigSourceMap noSource;
  ConfigProblems problems(noSource);
  validateAgentConfig(config, problems);
  return problems.messages();
}

}  // namespace nefia
