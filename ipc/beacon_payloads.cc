// Strict parsers and builders for beacon events and the beacons status (beacon_payloads.h).
// Never throw, never trust a field's presence or type, never copy a field's value into an error.
#include "ipc/beacon_payloads.h"

#include <array>
#include <utility>

#include "ipc/json_fields.h"
#include "ipc/payloads.h"

namespace nefia::ipc {
namespace {

constexpr uint64_t kMaxUnixMs = 253402300799999;  // 9999-12-31T23:59:59.999Z
constexpr std::size_t kMaxHostFieldBytes = 256;

constexpr std::array<std::pair<BeaconState, std::string_view>, 4> kStates{{
    {BeaconState::kOk, "ok"}, {BeaconState::kWarning, "warning"},
    {BeaconState::kCritical, "critical"}, {BeaconState::kUnknown, "unknown"}}};
constexpr std::array<std::pair<BeaconKind, std::string_view>, 4> kKinds{{
    {BeaconKind::kDiskUsage, "disk_usage"}, {BeaconKind::kServiceCheck, "service_check"},
    {BeaconKind::kScript, "script"}, {BeaconKind::kAgent, "agent"}}};
constexpr std::array<std::pair<BeaconEventType, std::string_view>, 3> kTypes{{
    {BeaconEventType::kChange, "change"}, {BeaconEventType::kHeartbeat, "heartbeat"},
    {BeaconEventType::kDropped, "dropped"}}};

template <typename Enum, std::size_t N>
std::string_view nameIn(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [entry, name] : table) {
    if (entry == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> valueIn(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [entry, name] : table) {
    if (name == text) return entry;
  }
  return std::nullopt;
}

#define NEFIA_BEACON_READ(variable, expression) \
  auto variable = (expression);                 \
  if (!variable.ok()) return makeError(variable.error())

template <typename Enum>
Result<Enum> readEnum(const nlohmann::json& object, std::string_view field, std::optional<Enum> (*parse)(std::string_view),
                      std::string_view allowed) {
  auto text = readString(object, field, 32);
  if (!text.ok()) return makeError(text.error());
  auto value = parse(*text);
  if (!value) return makeError("field \"" + std::string(field) + "\" must be one of " + std::string(allowed));
  return *value;
}

Result<nlohmann::json> readValue(const nlohmann::json& object) {
  const auto found = object.find("value");
  if (found == object.end()) return makeError("field \"value\" must be null, a number or a string");
  if (found->is_null() || found->is_number_integer() || found->is_number_unsigned()) return *found;
  if (found->is_number_float()) return *found;
  if (found->is_string()) {
    auto text = readString(object, "value", kMaxBeaconValueBytes);
    if (!text.ok()) return makeError(text.error());
    return *found;
  }
  return makeError("field \"value\" must be null, a number or a string");
}

}  // namespace

std::string_view toString(BeaconState state) { return nameIn(kStates, state); }
std::string_view toString(BeaconKind kind) { return nameIn(kKinds, kind); }
std::string_view toString(BeaconEventType type) { return nameIn(kTypes, type); }
std::optional<BeaconState> parseBeaconState(std::string_view text) { return valueIn(kStates, text); }
std::optional<BeaconKind> parseBeaconKind(std::string_view text) { return valueIn(kKinds, text); }
std::optional<BeaconEventType> parseBeaconEventType(std::string_view text) { return valueIn(kTypes, text); }

nlohmann::json toJson(const BeaconEvent& event) {
  return {{"host_id", event.hostId},
          {"host_name", event.hostName},
          {"seq", event.sequence},
          {"type", toString(event.type)},
          {"kind", toString(event.kind)},
          {"name", event.name},
          {"state", toString(event.state)},
          {"previous_state", toString(event.previousState)},
          {"value", event.value},
          {"message", event.message},
          {"reason", event.reason},
          {"time_unix_ms", event.timeUnixMs}};
}

Result<BeaconEvent> parseBeaconEvent(const nlohmann::json& object) {
  BeaconEvent event;
  NEFIA_BEACON_READ(hostId, readString(object, "host_id", kMaxHostFieldBytes));
  NEFIA_BEACON_READ(hostName, readString(object, "host_name", kMaxHostFieldBytes));
  NEFIA_BEACON_READ(sequence, readUnsigned(object, "seq", UINT64_MAX));
  NEFIA_BEACON_READ(type, readEnum<BeaconEventType>(object, "type", parseBeaconEventType, "change, heartbeat, dropped"));
  NEFIA_BEACON_READ(kind, readEnum<BeaconKind>(object, "kind", parseBeaconKind,
                                               "disk_usage, service_check, script, agent"));
  NEFIA_BEACON_READ(name, readString(object, "name", kMaxBeaconNameBytes));
  NEFIA_BEACON_READ(state, readEnum<BeaconState>(object, "state", parseBeaconState, "ok, warning, critical, unknown"));
  NEFIA_BEACON_READ(previous, readEnum<BeaconState>(object, "previous_state", parseBeaconState,
                                                    "ok, warning, critical, unknown"));
  NEFIA_BEACON_READ(value, readValue(object));
  NEFIA_BEACON_READ(message, readString(object, "message", kMaxBeaconMessageBytes));
  NEFIA_BEACON_READ(reason, readString(object, "reason", kMaxBeaconReasonBytes));
  NEFIA_BEACON_READ(time, readUnsigned(object, "time_unix_ms", kMaxUnixMs));
  event.hostId = std::move(hostId.value());
  event.hostName = std::move(hostName.value());
  event.sequence = *sequence;
  event.type = *type;
  event.kind = *kind;
  event.name = std::move(name.value());
  event.state = *state;
  event.previousState = *previous;
  event.value = std::move(value.value());
  event.message = std::move(message.value());
  event.reason = std::move(reason.value());
  event.timeUnixMs = *time;
  return event;
}

std::string sanitizeBeaconText(std::string_view bytes, std::size_t maxBytes) {
  // Every kept byte takes at least one output byte, so more input than maxBytes cannot survive the cut.
  return makeLogPayload(LogLevel::kInfo, bytes.substr(0, std::min(bytes.size(), maxBytes)), maxBytes).message;
}

nlohmann::json toJson(const BeaconCheckStatus& check) {
  return {{"kind", toString(check.kind)}, {"name", check.name},         {"state", toString(check.state)},
          {"last_run_unix_ms", check.lastRunUnixMs}, {"runs", check.runs}, {"skips", check.skips}};
}

Result<BeaconsStatus> parseBeaconsStatus(const nlohmann::json& object) {
  NEFIA_BEACON_READ(checks, readArray(object, "checks", kMaxReportedBeacons));
  BeaconsStatus status;
  for (std::size_t index = 0; index < (*checks)->size(); ++index) {
    const nlohmann::json& entry = (**checks)[index];
    const std::string where = "checks[" + std::to_string(index) + "]: ";
    if (!entry.is_object()) return makeError(where + "must be an object");
    auto kind = readEnum<BeaconKind>(entry, "kind", parseBeaconKind, "disk_usage, service_check, script, agent");
    auto name = readString(entry, "name", kMaxBeaconNameBytes);
    auto state = readEnum<BeaconState>(entry, "state", parseBeaconState, "ok, warning, critical, unknown");
    auto lastRun = readUnsigned(entry, "last_run_unix_ms", kMaxUnixMs);
    auto runs = readUnsigned(entry, "runs", UINT64_MAX);
    auto skips = readUnsigned(entry, "skips", UINT64_MAX);
    for (const std::string* error : {kind.ok() ? nullptr : &kind.error(), name.ok() ? nullptr : &name.error(),
                                     state.ok() ? nullptr : &state.error(), lastRun.ok() ? nullptr : &lastRun.error(),
                                     runs.ok() ? nullptr : &runs.error(), skips.ok() ? nullptr : &skips.error()}) {
      if (error != nullptr) return makeError(where + *error);
    }
    status.checks.push_back({*kind, std::move(name.value()), *state, *lastRun, *runs, *skips});
  }
  return status;
}

}  // namespace nefia::ipc
