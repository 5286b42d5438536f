// Beacon events and the beacons worker's status: the typed payloads of `beacon_event` and of its
// `status_report` details, shared by the worker, the supervisor's queue and health file, and the reactor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace nefia::ipc {

enum class BeaconState : uint8_t { kOk, kWarning, kCritical, kUnknown };
enum class BeaconKind : uint8_t { kDiskUsage, kServiceCheck, kScript, kAgent };
// "change": a state differs from the previous one; "heartbeat": the periodic repeat of every state;
// "dropped": the supervisor's queue overflowed (kind agent, value = events dropped so far).
enum class BeaconEventType : uint8_t { kChange, kHeartbeat, kDropped };

std::string_view toString(BeaconState state);  // "ok", "warning", "critical", "unknown"
std::string_view toString(BeaconKind kind);    // "disk_usage", "service_check", "script", "agent"
std::string_view toString(BeaconEventType type);  // "change", "heartbeat", "dropped"
std::optional<BeaconState> parseBeaconState(std::string_view text);
std::optional<BeaconKind> parseBeaconKind(std::string_view text);
std::optional<BeaconEventType> parseBeaconEventType(std::string_view text);

inline constexpr std::size_t kMaxBeaconNameBytes = 256;     // a path, a unit name or a script name
inline constexpr std::size_t kMaxBeaconMessageBytes = 1024;  // what an event keeps of a script's output
inline constexpr std::size_t kMaxBeaconReasonBytes = 64;     // "timeout", "signal", "missing", ...
inline constexpr std::size_t kMaxBeaconValueBytes = 64;      // a unit state as text
inline constexpr std::size_t kMaxReportedBeacons = 128;      // checks in one status report (the config allows 97)

// One event. The worker fills everything but the host fields and the sequence number, which the
// supervisor's queue assigns (so they survive a restart of the worker). `value` is a number (percent,
// exit code), a string (unit state) or null.
struct BeaconEvent {
  BeaconEventType type = BeaconEventType::kChange;
  BeaconKind kind = BeaconKind::kScript;
  std::string name;
  BeaconState state = BeaconState::kUnknown;
  BeaconState previousState = BeaconState::kUnknown;
  nlohmann::json value;  // null, a number or a short string
  std::string message;   // at most kMaxBeaconMessageBytes, no control characters (sanitizeBeaconText)
  std::string reason;    // empty, or a short word: "timeout", "signal", "missing", "unavailable"
  uint64_t timeUnixMs = 0;  // wall clock
  // Set by the supervisor:
  std::string hostId;
  std::string hostName;
  uint64_t sequence = 0;
  bool operator==(const BeaconEvent&) const = default;
};

// The same JSON for the beacon_event IPC payload and the reactor's wire: every field present.
nlohmann::json toJson(const BeaconEvent& event);
// Strict: every field present and typed, names and texts bounded, no control characters.
Result<BeaconEvent> parseBeaconEvent(const nlohmann::json& object);

// Any bytes (script output) as text parseBeaconEvent accepts: valid UTF-8 kept, control characters and
// invalid bytes escaped (\n, \r, \xNN; tab stays), cut to maxBytes on a character boundary.
std::string sanitizeBeaconText(std::string_view bytes, std::size_t maxBytes);

// One check as the health file shows it.
struct BeaconCheckStatus {
  BeaconKind kind = BeaconKind::kScript;
  std::string name;
  BeaconState state = BeaconState::kUnknown;
  uint64_t lastRunUnixMs = 0;  // 0 before the first run
  uint64_t runs = 0;
  uint64_t skips = 0;  // runs not started because the previous one was still running
  bool operator==(const BeaconCheckStatus&) const = default;
};
struct BeaconsStatus {
  std::vector<BeaconCheckStatus> checks;
  bool operator==(const BeaconsStatus&) const = default;
};
nlohmann::json toJson(const BeaconCheckStatus& check);
// Reads the "checks" array of the beacons worker's status report.
Result<BeaconsStatus> parseBeaconsStatus(const nlohmann::json& object);

}  // namespace nefia::ipc
