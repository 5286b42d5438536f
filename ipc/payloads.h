// Typed payloads of every IPC message with their strict parsers and their JSON builders, so both ends
// spell the fields the same way. Parsers never throw and never put a field's value into an error text.
// `configure` and `config_update` are role-specific objects parsed by each worker (they may carry keys).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/result.h"
#include "ipc/beacon_payloads.h"
#include "ipc/message_parts.h"
#include "ipc/message_types.h"

namespace nefia::ipc {

inline constexpr std::size_t kMaxLogMessageBytes = 8 * 1024;
inline constexpr std::size_t kMaxErrorTextBytes = 1024;
inline constexpr uint64_t kMaxPid = 4194304;      // PID_MAX_LIMIT on Linux
inline constexpr uint64_t kMaxDrainMs = 300000;   // far above the 30 s forwarder drain
inline constexpr uint64_t kMaxLandlockAbi = 64;

// ---- worker -> supervisor ----

struct SandboxReport {  // the health file's "sandbox" object
  bool seccomp = false;
  uint64_t landlockAbi = 0;
  std::string workerUser;
};

struct ReadyPayload {  // the worker's hello
  uint64_t protocolVersion = 0;  // checked by the supervisor (protocol_version.h)
  uint64_t pid = 0;
  SandboxReport sandbox;
};

struct LogPayload {
  LogLevel level = LogLevel::kInfo;
  std::string message;  // at most kMaxLogMessageBytes, no control characters
};

struct PeerStatus {  // one entry of the health file's "peers"
  std::string publicKey;
  std::string vpnAddr;
  std::string endpoint;
  uint64_t lastHandshakeUnixMs = 0;  // wall clock, 0 before the first handshake; formatted only for people
  uint64_t rxBytes = 0;
  uint64_t txBytes = 0;
};
struct TunnelStatus {
  std::vector<PeerStatus> peers;
};
struct ForwarderStatus {
  uint64_t activeConnections = 0;
  uint64_t refusedConnections = 0;
};

// {"request_id": N} plus the sender's role-specific fields: "peers" for the tunnel, "active_connections" and
// "refused_connections" for the forwarder, "checks" for beacons, nothing yet for the updater. The tunnel's report travels
// in parts when its peers do not fit one frame (toJsonParts); the others are always part 0 of 1.
struct StatusReportPayload {
  uint64_t requestId = 0;
  PartNumber number;
  std::variant<std::monostate, TunnelStatus, ForwarderStatus, BeaconsStatus> details;
};

struct ConnectRequestPayload {
  uint64_t requestId = 0;
};

struct ShutdownCompletePayload {};

// ---- supervisor -> worker ----

enum class HandedFd : uint8_t { kUdpSocket, kPacketLink };
std::string_view toString(HandedFd role);  // "udp_socket", "packet_link"

struct HandOverFdPayload {
  HandedFd role = HandedFd::kUdpSocket;
};

struct ConnectResultPayload {  // one fd travels with it exactly when ok
  uint64_t requestId = 0;
  bool ok = false;
  std::string error;  // empty when ok
};

struct StatusRequestPayload {
  uint64_t requestId = 0;
};

struct ShutdownPayload {
  uint64_t drainMs = 0;
};

// Parsers: errors read as the object of "... with an invalid payload: ...", e.g. 'field "level" must be ...'.
Result<ReadyPayload> parseReady(const nlohmann::json& object);
Result<LogPayload> parseLog(const nlohmann::json& object);
Result<StatusReportPayload> parseStatusReport(const nlohmann::json& object, Role sender);
Result<ConnectRequestPayload> parseConnectRequest(const nlohmann::json& object);
Result<ShutdownCompletePayload> parseShutdownComplete(const nlohmann::json& object);
Result<HandOverFdPayload> parseHandOverFd(const nlohmann::json& object);
Result<ConnectResultPayload> parseConnectResult(const nlohmann::json& object);
Result<StatusRequestPayload> parseStatusRequest(const nlohmann::json& object);
Result<ShutdownPayload> parseShutdown(const nlohmann::json& object);

nlohmann::json toJson(const ReadyPayload& payload);
nlohmann::json toJson(const LogPayload& payload);
nlohmann::json toJson(const StatusReportPayload& payload);  // one frame: only for reports known to fit
std::vector<nlohmann::json> toJsonParts(const StatusReportPayload& payload, std::size_t maxPayloadBytes);
nlohmann::json toJson(const ConnectRequestPayload& payload);
nlohmann::json toJson(const ShutdownCompletePayload& payload);
nlohmann::json toJson(const HandOverFdPayload& payload);
nlohmann::json toJson(const ConnectResultPayload& payload);
nlohmann::json toJson(const StatusRequestPayload& payload);
nlohmann::json toJson(const ShutdownPayload& payload);

// A log payload that parseLog accepts for any input: control characters escaped as \n, \r, \t stays,
// others as \xNN, then cut to maxBytes between whole characters and escapes.
LogPayload makeLogPayload(LogLevel level, std::string_view message, std::size_t maxBytes = kMaxLogMessageBytes);

// Collects the parts of one worker's status reports (the supervisor's side): parts of one request, in order.
class StatusReportAssembler {
 public:
  Result<std::optional<StatusReportPayload>> add(StatusReportPayload&& part);

 private:
  PartAssembler<StatusReportPayload> parts_;
  uint64_t requestId_ = 0;
};

}  // namespace nefia::ipc
