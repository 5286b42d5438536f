// Strict parsers and builders for the IPC payloads declared in payloads.h.
// Never throw, never trust a field's presence or type, never copy a field's value into an error.
#include "ipc/payloads.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/base64.h"
#include "ipc/json_fields.h"
#include "ipc/protocol_version.h"

namespace nefia::ipc {
namespace {

constexpr std::size_t kMaxUserNameBytes = 64;
constexpr std::size_t kMaxAddressBytes = 300;  // "[ipv6%zone]:port" or "host:port" with a 253-byte name
constexpr std::size_t kMaxPeersPerPart = 512;  // a peer entry is at least ~130 bytes: more cannot fit a frame
constexpr std::size_t kMaxReportedPeers = 4096;  // all parts together, above the config's kMaxPeers
constexpr uint64_t kMaxUnixMs = 253402300799999;  // 9999-12-31T23:59:59.999Z
constexpr uint64_t kMaxCounter = UINT64_MAX;

// Lets a parser return the first failing field's error in one line.
#define NEFIA_IPC_READ(variable, expression) \
  auto variable = (expression);              \
  if (!variable.ok()) return makeError(variable.error())

Result<PeerStatus> parsePeer(const nlohmann::json& entry, std::size_t index) {
  const std::string where = "peers[" + std::to_string(index) + "]: ";
  if (!entry.is_object()) return makeError(where + "must be an object");
  PeerStatus peer;
  auto publicKey = readString(entry, "public_key", 44);
  if (!publicKey.ok() || !isBase64Key32(*publicKey)) {
    return makeError(where + "field \"public_key\" must be a base64 WireGuard key");
  }
  peer.publicKey = std::move(publicKey.value());
  auto vpnAddr = readString(entry, "vpn_addr", kMaxAddressBytes);
  if (!vpnAddr.ok()) return makeError(where + vpnAddr.error());
  auto endpoint = readString(entry, "endpoint", kMaxAddressBytes);
  if (!endpoint.ok()) return makeError(where + endpoint.error());
  auto lastHandshake = readUnsigned(entry, "last_handshake_unix_ms", kMaxUnixMs);
  if (!lastHandshake.ok()) return makeError(where + lastHandshake.error());
  auto rxBytes = readUnsigned(entry, "rx_bytes", kMaxCounter);
  if (!rxBytes.ok()) return makeError(where + rxBytes.error());
  auto txBytes = readUnsigned(entry, "tx_bytes", kMaxCounter);
  if (!txBytes.ok()) return makeError(where + txBytes.error());
  peer.vpnAddr = std::move(vpnAddr.value());
  peer.endpoint = std::move(endpoint.value());
  peer.lastHandshakeUnixMs = *lastHandshake;
  peer.rxBytes = *rxBytes;
  peer.txBytes = *txBytes;
  return peer;
}

Result<TunnelStatus> parseTunnelStatus(const nlohmann::json& object) {
  NEFIA_IPC_READ(peers, readArray(object, "peers", kMaxPeersPerPart));
  TunnelStatus status;
  for (std::size_t index = 0; index < (*peers)->size(); ++index) {
    NEFIA_IPC_READ(peer, parsePeer((**peers)[index], index));
    status.peers.push_back(std::move(peer.value()));
  }
  return status;
}

Result<ForwarderStatus> parseForwarderStatus(const nlohmann::json& object) {
  NEFIA_IPC_READ(active, readUnsigned(object, "active_connections", kMaxCounter));
  NEFIA_IPC_READ(refused, readUnsigned(object, "refused_connections", kMaxCounter));
  return ForwarderStatus{*active, *refused};
}

// The length of the well-formed UTF-8 sequence starting at text[at], or 0 when the bytes there are not one (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8SequenceLength(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t offset) { return static_cast<unsigned char>(text[at + offset]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned minimumSecond = 0x80, maximumSecond = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) minimumSecond = 0xA0;
    if (lead == 0xED) maximumSecond = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) minimumSecond = 0x90;
    if (lead == 0xF4) maximumSecond = 0x8F;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(1) < minimumSecond || byte(1) > maximumSecond) return 0;
  for (std::size_t offset = 2; offset < length; ++offset) {
    if (byte(offset) < 0x80 || byte(offset) > 0xBF) return 0;
  }
  return length;
}

// The lower-case names parseLogLevel() accepts ("DEBUG" in the log line is "debug" on the wire).
std::string levelName(LogLevel level) {
  std::string name = toString(level);
  for (char& character : name) character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
  return name;
}

}  // namespace

std::string_view toString(HandedFd role) {
  switch (role) {
    case HandedFd::kUdpSocket: return "udp_socket";
    case HandedFd::kPacketLink: return "packet_link";
  }
  return "unknown";
}

Result<ReadyPayload> parseReady(const nlohmann::json& object) {
  NEFIA_IPC_READ(protocolVersion, readUnsigned(object, "protocol_version", kMaxProtocolVersion));
  NEFIA_IPC_READ(pid, readUnsigned(object, "pid", kMaxPid, 1));
  NEFIA_IPC_READ(sandbox, readObject(object, "sandbox"));
  NEFIA_IPC_READ(seccomp, readBool(**sandbox, "seccomp"));
  NEFIA_IPC_READ(landlockAbi, readUnsigned(**sandbox, "landlock_abi", kMaxLandlockAbi));
  NEFIA_IPC_READ(workerUser, readString(**sandbox, "worker_user", kMaxUserNameBytes));
  return ReadyPayload{*protocolVersion, *pid, SandboxReport{*seccomp, *landlockAbi, std::move(workerUser.value())}};
}

Result<LogPayload> parseLog(const nlohmann::json& object) {
  NEFIA_IPC_READ(levelName, readString(object, "level", 8));
  const std::optional<LogLevel> level = parseLogLevel(*levelName);
  if (!level) return makeError("field \"level\" must be one of debug, info, warn, error");
  NEFIA_IPC_READ(message, readString(object, "message", kMaxLogMessageBytes));
  return LogPayload{*level, std::move(message.value())};
}

Result<StatusReportPayload> parseStatusReport(const nlohmann::json& object, Role sender) {
  NEFIA_IPC_READ(requestId, readUnsigned(object, "request_id", kMaxCounter));
  NEFIA_IPC_READ(number, readPartNumber(object));
  StatusReportPayload payload;
  payload.requestId = *requestId;
  payload.number = *number;
  if (sender == Role::kTunnel) {
    NEFIA_IPC_READ(tunnel, parseTunnelStatus(object));
    payload.details = std::move(tunnel.value());
  } else if (sender == Role::kForwarder) {
    NEFIA_IPC_READ(forwarder, parseForwarderStatus(object));
    payload.details = *forwarder;
  } else if (sender == Role::kBeacons) {
    NEFIA_IPC_READ(beacons, parseBeaconsStatus(object));
    payload.details = std::move(beacons.value());
  }
  return payload;
}

Result<ConnectRequestPayload> parseConnectRequest(const nlohmann::json& object) {
  NEFIA_IPC_READ(requestId, readUnsigned(object, "request_id", kMaxCounter));
  return ConnectRequestPayload{*requestId};
}

Result<ShutdownCompletePayload> parseShutdownComplete(const nlohmann::json&) { return ShutdownCompletePayload{}; }

Result<HandOverFdPayload> parseHandOverFd(const nlohmann::json& object) {
  NEFIA_IPC_READ(role, readString(object, "role", 16));
  if (*role == toString(HandedFd::kUdpSocket)) return HandOverFdPayload{HandedFd::kUdpSocket};
  if (*role == toString(HandedFd::kPacketLink)) return HandOverFdPayload{HandedFd::kPacketLink};
  return makeError("field \"role\" must be udp_socket or packet_link");
}

Result<ConnectResultPayload> parseConnectResult(const nlohmann::json& object) {
  NEFIA_IPC_READ(requestId, readUnsigned(object, "request_id", kMaxCounter));
  NEFIA_IPC_READ(ok, readBool(object, "ok"));
  NEFIA_IPC_READ(error, readString(object, "error", kMaxErrorTextBytes));
  if (*ok && !error->empty()) return makeError("field \"error\" must be empty when \"ok\" is true");
  if (!*ok && error->empty()) return makeError("field \"error\" must say why when \"ok\" is false");
  return ConnectResultPayload{*requestId, *ok, std::move(error.value())};
}

Result<StatusRequestPayload> parseStatusRequest(const nlohmann::json& object) {
  NEFIA_IPC_READ(requestId, readUnsigned(object, "request_id", kMaxCounter));
  return StatusRequestPayload{*requestId};
}

Result<ShutdownPayload> parseShutdown(const nlohmann::json& object) {
  NEFIA_IPC_READ(drainMs, readUnsigned(object, "drain_ms", kMaxDrainMs));
  return ShutdownPayload{*drainMs};
}

#undef NEFIA_IPC_READ

nlohmann::json toJson(const ReadyPayload& payload) {
  return {{"protocol_version", payload.protocolVersion},
          {"pid", payload.pid},
          {"sandbox",
           {{"seccomp", payload.sandbox.seccomp},
            {"landlock_abi", payload.sandbox.landlockAbi},
            {"worker_user", payload.sandbox.workerUser}}}};
}

nlohmann::json toJson(const LogPayload& payload) {
  return {{"level", levelName(payload.level)}, {"message", payload.message}};
}

namespace {
nlohmann::json peerToJson(const PeerStatus& peer) {
  return {{"public_key", peer.publicKey},
          {"vpn_addr", peer.vpnAddr},
          {"endpoint", peer.endpoint},
          {"last_handshake_unix_ms", peer.lastHandshakeUnixMs},
          {"rx_bytes", peer.rxBytes},
          {"tx_bytes", peer.txBytes}};
}
}  // namespace

nlohmann::json toJson(const StatusReportPayload& payload) {
  nlohmann::json object = {{"request_id", payload.requestId}};
  if (const auto* tunnel = std::get_if<TunnelStatus>(&payload.details)) {
    nlohmann::json peers = nlohmann::json::array();
    for (const PeerStatus& peer : tunnel->peers) peers.push_back(peerToJson(peer));
    object["peers"] = std::move(peers);
  } else if (const auto* forwarder = std::get_if<ForwarderStatus>(&payload.details)) {
    object["active_connections"] = forwarder->activeConnections;
    object["refused_connections"] = forwarder->refusedConnections;
  } else if (const auto* beacons = std::get_if<BeaconsStatus>(&payload.details)) {
    nlohmann::json checks = nlohmann::json::array();
    for (const BeaconCheckStatus& check : beacons->checks) checks.push_back(toJson(check));
    object["checks"] = std::move(checks);
  }
  return object;
}

std::vector<nlohmann::json> toJsonParts(const StatusReportPayload& payload, std::size_t maxPayloadBytes) {
  const auto* tunnel = std::get_if<TunnelStatus>(&payload.details);
  if (tunnel == nullptr) return {toJson(payload)};
  std::vector<nlohmann::json> peers;
  peers.reserve(tunnel->peers.size());
  for (const PeerStatus& peer : tunnel->peers) peers.push_back(peerToJson(peer));
  return splitIntoParts({{"request_id", payload.requestId}}, "peers", peers, maxPayloadBytes);
}

nlohmann::json toJson(const ConnectRequestPayload& payload) { return {{"request_id", payload.requestId}}; }
nlohmann::json toJson(const ShutdownCompletePayload&) { return nlohmann::json::object(); }
nlohmann::json toJson(const HandOverFdPayload& payload) { return {{"role", toString(payload.role)}}; }
nlohmann::json toJson(const ConnectResultPayload& payload) {
  return {{"request_id", payload.requestId}, {"ok", payload.ok}, {"error", payload.error}};
}
nlohmann::json toJson(const StatusRequestPayload& payload) { return {{"request_id", payload.requestId}}; }
nlohmann::json toJson(const ShutdownPayload& payload) { return {{"drain_ms", payload.drainMs}}; }

LogPayload makeLogPayload(LogLevel level, std::string_view message, std::size_t maxBytes) {
  std::string clean;
  clean.reserve(std::min(message.size(), maxBytes));
  std::size_t at = 0;
  while (at < message.size()) {
    const std::size_t length = utf8SequenceLength(message, at);
    std::string piece;
    const auto byte = static_cast<unsigned char>(message[at]);
    if (length == 0 || (length == 1 && hasControlCharacters(message.substr(at, 1)))) {
      if (byte == '\n') {
        piece = "\\n";
      } else if (byte == '\r') {
        piece = "\\r";
      } else {
        char escaped[5];
        std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
        piece = escaped;
      }
      at += 1;
    } else {
      piece.assign(message.substr(at, length));
      at += length;
    }
    if (clean.size() + piece.size() > maxBytes) break;
    clean += piece;
  }
  return LogPayload{level, std::move(clean)};
}

Result<std::optional<StatusReportPayload>> StatusReportAssembler::add(StatusReportPayload&& part) {
  if (part.number.part != 0 && part.requestId != requestId_) {
    parts_ = PartAssembler<StatusReportPayload>();
    return makeError("status_report part " + std::to_string(part.number.part + 1) + " of another request");
  }
  requestId_ = part.requestId;
  bool tooMany = false;
  auto whole = parts_.add(part.number, std::move(part), [&](StatusReportPayload& collected, StatusReportPayload&& more) {
    auto* into = std::get_if<TunnelStatus>(&collected.details);
    auto* from = std::get_if<TunnelStatus>(&more.details);
    if (into == nullptr || from == nullptr) return;
    tooMany = into->peers.size() + from->peers.size() > kMaxReportedPeers;
    if (tooMany) return;
    for (PeerStatus& peer : from->peers) into->peers.push_back(std::move(peer));
  });
  if (tooMany) {
    parts_ = PartAssembler<StatusReportPayload>();
    return makeError("status_report with more than " + std::to_string(kMaxReportedPeers) + " peers");
  }
  return whole;
}

}  // namespace nefia::ipc
