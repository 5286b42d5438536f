// Typed `configure` / `config_update` payloads, one struct per worker role, with strict parsers and builders.
// TunnelSettings carries the private key: never log it, and never put a field's value into an error text.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "ipc/message_parts.h"

namespace nefia::ipc {

// The whole list the tunnel accepts in one configure (all parts together); the config allows fewer.
inline constexpr std::size_t kMaxSettingsPeers = 4096;

struct TunnelPeerSettings {
  std::string publicKey;  // base64 of 32 bytes
  std::string endpoint;   // numeric "ip:port" / "[ip]:port", or empty (incoming only, or not resolved yet)
  std::string vpnAddr;
  uint64_t persistentKeepaliveMs = 0;
  bool operator==(const TunnelPeerSettings&) const = default;
};

struct TunnelSettings {
  uint64_t protocolVersion = 0;
  std::string privateKey;  // base64 of 32 bytes
  std::vector<TunnelPeerSettings> peers;
};

struct ForwarderSettings {
  uint64_t protocolVersion = 0;
  std::string address;  // the agent's VPN address with prefix, e.g. 10.99.0.8/24
  uint64_t mtu = 0;
  uint64_t sshPort = 0;  // connections to the VPN address on this port are forwarded
};

struct IdleSettings {  // the updater, until its issue gives it settings
  uint64_t protocolVersion = 0;
};

// Bounds that keep the beacons settings inside one frame (the config validation enforces the same).
inline constexpr std::size_t kMaxBeaconScripts = 32;
inline constexpr std::size_t kMaxBeaconPaths = 32;
inline constexpr std::size_t kMaxBeaconServices = 32;
inline constexpr std::size_t kMaxBeaconCommandBytes = 1024;
inline constexpr std::size_t kMaxBeaconScriptNameBytes = 128;
inline constexpr std::size_t kMaxBeaconPathBytes = 256;
inline constexpr uint64_t kMaxBeaconIntervalMs = 7ull * 24 * 3600 * 1000;  // a week

struct BeaconScriptSettings {
  std::string name;
  std::string command;  // run as /bin/sh -c COMMAND
  uint64_t intervalMs = 0;
  uint64_t timeoutMs = 0;  // resolved by the supervisor: configured, else min(interval, 60 s)
  bool operator==(const BeaconScriptSettings&) const = default;
};

struct BeaconsSettings {
  uint64_t protocolVersion = 0;
  bool diskEnabled = false;
  uint64_t diskIntervalMs = 0;
  uint64_t warningPercent = 80;
  uint64_t criticalPercent = 90;
  std::vector<std::string> paths;
  bool servicesEnabled = false;
  uint64_t servicesIntervalMs = 0;
  std::vector<std::string> services;
  std::vector<BeaconScriptSettings> scripts;
  uint64_t heartbeatMs = 0;  // the periodic repeat of every state
  bool operator==(const BeaconsSettings&) const = default;
};

using WorkerSettings = std::variant<TunnelSettings, ForwarderSettings, BeaconsSettings, IdleSettings>;

// The tunnel's settings as frames of at most maxPayloadBytes each (peers split across parts).
std::vector<nlohmann::json> toJsonParts(const TunnelSettings& settings, std::size_t maxPayloadBytes);
nlohmann::json toJson(const ForwarderSettings& settings);
nlohmann::json toJson(const IdleSettings& settings);
nlohmann::json toJson(const BeaconsSettings& settings);

// One part of the tunnel's settings: its part number and its share of the peers.
struct TunnelSettingsPart {
  PartNumber number;
  TunnelSettings settings;
};
Result<TunnelSettingsPart> parseTunnelSettingsPart(const nlohmann::json& object);
Result<ForwarderSettings> parseForwarderSettings(const nlohmann::json& object);
Result<IdleSettings> parseIdleSettings(const nlohmann::json& object);
// beacon_settings_payloads.cc: strict, every field required, the bounds above.
Result<BeaconsSettings> parseBeaconsSettings(const nlohmann::json& object);
// Every settings payload starts with it: the worker checks it before anything else (protocol_version.h).
Result<uint64_t> readProtocolVersion(const nlohmann::json& object);

// Collects the parts of the tunnel's settings (the worker's side).
class TunnelSettingsAssembler {
 public:
  Result<std::optional<TunnelSettings>> add(TunnelSettingsPart&& part);

 private:
  PartAssembler<TunnelSettings> parts_;
};

}  // namespace nefia::ipc
