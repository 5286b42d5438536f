// The beacons worker's `configure` / `config_update` payload (settings_payloads.h): builder and strict parser.
// Never throw, never copy a field's value (a command may hold a secret argument) into an error text.
#include "ipc/json_fields.h"
#include "ipc/settings_payloads.h"

namespace nefia::ipc {
namespace {

#define NEFIA_SETTINGS_READ(variable, expression) \
  auto variable = (expression);                   \
  if (!variable.ok()) return makeError(variable.error())

Result<std::vector<std::string>> readStrings(const nlohmann::json& object, std::string_view field,
                                             std::size_t maxItems, std::size_t maxBytes) {
  NEFIA_SETTINGS_READ(items, readArray(object, field, maxItems));
  std::vector<std::string> strings;
  for (std::size_t index = 0; index < (*items)->size(); ++index) {
    const nlohmann::json wrapped = {{"item", (**items)[index]}};
    auto text = readString(wrapped, "item", maxBytes);
    if (!text.ok() || text->empty()) {
      return makeError(std::string(field) + "[" + std::to_string(index) + "] must be a non-empty string of at most " +
                       std::to_string(maxBytes) + " bytes");
    }
    strings.push_back(std::move(text.value()));
  }
  return strings;
}

Result<BeaconScriptSettings> parseScript(const nlohmann::json& entry, std::size_t index) {
  const std::string where = "scripts[" + std::to_string(index) + "]: ";
  if (!entry.is_object()) return makeError(where + "must be an object");
  auto name = readString(entry, "name", kMaxBeaconScriptNameBytes);
  if (!name.ok() || name->empty()) return makeError(where + "field \"name\" must be a non-empty string");
  auto command = readString(entry, "command", kMaxBeaconCommandBytes);
  if (!command.ok() || command->empty()) return makeError(where + "field \"command\" must be a non-empty string");
  auto interval = readUnsigned(entry, "interval_ms", kMaxBeaconIntervalMs, 1);
  if (!interval.ok()) return makeError(where + interval.error());
  auto timeout = readUnsigned(entry, "timeout_ms", kMaxBeaconIntervalMs, 1);
  if (!timeout.ok()) return makeError(where + timeout.error());
  return BeaconScriptSettings{std::move(name.value()), std::move(command.value()), *interval, *timeout};
}

}  // namespace

nlohmann::json toJson(const BeaconsSettings& settings) {
  nlohmann::json scripts = nlohmann::json::array();
  for (const BeaconScriptSettings& script : settings.scripts) {
    scripts.push_back({{"name", script.name},
                       {"command", script.command},
                       {"interval_ms", script.intervalMs},
                       {"timeout_ms", script.timeoutMs}});
  }
  return {{"protocol_version", settings.protocolVersion},
          {"disk_usage", {{"enabled", settings.diskEnabled},
                          {"interval_ms", settings.diskIntervalMs},
                          {"warning_percent", settings.warningPercent},
                          {"critical_percent", settings.criticalPercent},
                          {"paths", settings.paths}}},
          {"service_check", {{"enabled", settings.servicesEnabled},
                             {"interval_ms", settings.servicesIntervalMs},
                             {"services", settings.services}}},
          {"scripts", std::move(scripts)},
          {"heartbeat_ms", settings.heartbeatMs}};
}

Result<BeaconsSettings> parseBeaconsSettings(const nlohmann::json& object) {
  BeaconsSettings settings;
  NEFIA_SETTINGS_READ(version, readProtocolVersion(object));
  NEFIA_SETTINGS_READ(disk, readObject(object, "disk_usage"));
  NEFIA_SETTINGS_READ(diskEnabled, readBool(**disk, "enabled"));
  NEFIA_SETTINGS_READ(diskInterval, readUnsigned(**disk, "interval_ms", kMaxBeaconIntervalMs, 1));
  NEFIA_SETTINGS_READ(warning, readUnsigned(**disk, "warning_percent", 100));
  NEFIA_SETTINGS_READ(critical, readUnsigned(**disk, "critical_percent", 100));
  NEFIA_SETTINGS_READ(paths, readStrings(**disk, "paths", kMaxBeaconPaths, kMaxBeaconPathBytes));
  NEFIA_SETTINGS_READ(services, readObject(object, "service_check"));
  NEFIA_SETTINGS_READ(servicesEnabled, readBool(**services, "enabled"));
  NEFIA_SETTINGS_READ(servicesInterval, readUnsigned(**services, "interval_ms", kMaxBeaconIntervalMs, 1));
  NEFIA_SETTINGS_READ(units, readStrings(**services, "services", kMaxBeaconServices, kMaxBeaconPathBytes));
  NEFIA_SETTINGS_READ(scripts, readArray(object, "scripts", kMaxBeaconScripts));
  NEFIA_SETTINGS_READ(heartbeat, readUnsigned(object, "heartbeat_ms", kMaxBeaconIntervalMs, 1));
  if (*warning >= *critical) return makeError("disk_usage: warning_percent must be lower than critical_percent");
  for (std::size_t index = 0; index < (*scripts)->size(); ++index) {
    NEFIA_SETTINGS_READ(script, parseScript((**scripts)[index], index));
    settings.scripts.push_back(std::move(script.value()));
  }
  settings.protocolVersion = *version;
  settings.diskEnabled = *diskEnabled;
  settings.diskIntervalMs = *diskInterval;
  settings.warningPercent = *warning;
  settings.criticalPercent = *critical;
  settings.paths = std::move(paths.value());
  settings.servicesEnabled = *servicesEnabled;
  settings.servicesIntervalMs = *servicesInterval;
  settings.services = std::move(units.value());
  settings.heartbeatMs = *heartbeat;
  return settings;
}

}  // namespace nefia::ipc
