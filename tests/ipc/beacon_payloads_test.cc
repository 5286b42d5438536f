// Beacon event, status and settings payloads: round trips and the strict parsers' refusals.
#include <gtest/gtest.h>

#include "ipc/beacon_payloads.h"
#include "ipc/settings_payloads.h"

namespace nefia::ipc {
namespace {

BeaconEvent sampleEvent() {
  BeaconEvent event;
  event.type = BeaconEventType::kChange;
  event.kind = BeaconKind::kDiskUsage;
  event.name = "/home";
  event.state = BeaconState::kCritical;
  event.previousState = BeaconState::kWarning;
  event.value = 93;
  event.message = "93% used";
  event.timeUnixMs = 1764870000000;
  event.hostId = "h-1";
  event.hostName = "web1";
  event.sequence = 42;
  return event;
}

TEST(BeaconEventPayload, RoundTripsWithEveryField) {
  const BeaconEvent event = sampleEvent();
  const nlohmann::json json = toJson(event);
  for (const char* field : {"host_id", "host_name", "seq", "type", "kind", "name", "state", "previous_state", "value",
                            "message", "reason", "time_unix_ms"}) {
    EXPECT_TRUE(json.contains(field)) << field;
  }
  auto parsed = parseBeaconEvent(json);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(*parsed, event);
}

TEST(BeaconEventPayload, ValueMayBeAStringOrNull) {
  BeaconEvent event = sampleEvent();
  event.value = "failed";
  EXPECT_EQ(parseBeaconEvent(toJson(event))->value, "failed");
  event.value = nullptr;
  EXPECT_TRUE(parseBeaconEvent(toJson(event))->value.is_null());
}

TEST(BeaconEventPayload, RefusesWrongStatesKindsAndValues) {
  nlohmann::json json = toJson(sampleEvent());
  json["state"] = "bad";
  EXPECT_EQ(parseBeaconEvent(json).error(), "field \"state\" must be one of ok, warning, critical, unknown");
  json = toJson(sampleEvent());
  json["kind"] = 3;
  EXPECT_EQ(parseBeaconEvent(json).error(), "field \"kind\" must be a string");
  json = toJson(sampleEvent());
  json["value"] = nlohmann::json::array();
  EXPECT_EQ(parseBeaconEvent(json).error(), "field \"value\" must be null, a number or a string");
  json = toJson(sampleEvent());
  json["message"] = std::string(kMaxBeaconMessageBytes + 1, 'x');
  EXPECT_FALSE(parseBeaconEvent(json).ok());
  json = toJson(sampleEvent());
  json["message"] = "a\nb";
  EXPECT_FALSE(parseBeaconEvent(json).ok());
  json = toJson(sampleEvent());
  json.erase("previous_state");
  EXPECT_FALSE(parseBeaconEvent(json).ok());
}

TEST(BeaconEventPayload, SanitizeKeepsUtf8AndEscapesTheRest) {
  EXPECT_EQ(sanitizeBeaconText("caf\xc3\xa9\tok\r\n\x1b[31m", 100), "caf\xc3\xa9\tok\\r\\n\\x1B[31m");
  const std::string cut = sanitizeBeaconText(std::string(10, 'a') + "\xc3\xa9", 11);
  EXPECT_EQ(cut, std::string(10, 'a'));
}

TEST(BeaconsStatusPayload, RoundTrips) {
  BeaconCheckStatus check{BeaconKind::kScript, "backup", BeaconState::kWarning, 1764870000000, 7, 2};
  nlohmann::json json = {{"checks", {toJson(check)}}};
  auto parsed = parseBeaconsStatus(json);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  ASSERT_EQ(parsed->checks.size(), 1u);
  EXPECT_EQ(parsed->checks[0], check);
  json["checks"][0]["runs"] = -1;
  EXPECT_EQ(parseBeaconsStatus(json).error(), "checks[0]: field \"runs\" must be an integer from 0 to 18446744073709551615");
}

BeaconsSettings sampleSettings() {
  BeaconsSettings settings;
  settings.protocolVersion = 2;
  settings.diskEnabled = true;
  settings.diskIntervalMs = 300000;
  settings.paths = {"/", "/home"};
  settings.servicesEnabled = true;
  settings.servicesIntervalMs = 30000;
  settings.services = {"nginx"};
  settings.scripts = {{"custom-check", "/opt/scripts/check.sh", 600000, 60000}};
  settings.heartbeatMs = 900000;
  return settings;
}

TEST(BeaconsSettingsPayload, RoundTrips) {
  auto parsed = parseBeaconsSettings(toJson(sampleSettings()));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(*parsed, sampleSettings());
}

TEST(BeaconsSettingsPayload, RefusesOutOfBoundsWithoutQuotingValues) {
  nlohmann::json json = toJson(sampleSettings());
  json["scripts"][0]["command"] = "";
  EXPECT_EQ(parseBeaconsSettings(json).error(), "scripts[0]: field \"command\" must be a non-empty string");
  json = toJson(sampleSettings());
  json["scripts"][0]["timeout_ms"] = 0;
  EXPECT_EQ(parseBeaconsSettings(json).error(), "scripts[0]: field \"timeout_ms\" must be an integer from 1 to 604800000");
  json = toJson(sampleSettings());
  json["disk_usage"]["warning_percent"] = 95;
  EXPECT_EQ(parseBeaconsSettings(json).error(), "disk_usage: warning_percent must be lower than critical_percent");
  json = toJson(sampleSettings());
  json["disk_usage"]["paths"] = {"/", 7};
  EXPECT_EQ(parseBeaconsSettings(json).error(), "paths[1] must be a non-empty string of at most 256 bytes");
  json = toJson(sampleSettings());
  json["scripts"] = nlohmann::json::array();
  for (std::size_t i = 0; i <= kMaxBeaconScripts; ++i) json["scripts"].push_back(json["scripts"].size());
  EXPECT_EQ(parseBeaconsSettings(json).error(), "field \"scripts\" must have at most 32 entries");
}

TEST(BeaconsSettingsPayload, TheLargestSettingsFitOneFrame) {
  BeaconsSettings settings = sampleSettings();
  settings.paths.assign(kMaxBeaconPaths, std::string(kMaxBeaconPathBytes, 'p'));
  settings.services.assign(kMaxBeaconServices, std::string(kMaxBeaconPathBytes, 's'));
  settings.scripts.assign(kMaxBeaconScripts, {std::string(kMaxBeaconScriptNameBytes, 'n'),
                                              std::string(kMaxBeaconCommandBytes, 'c'), kMaxBeaconIntervalMs,
                                              kMaxBeaconIntervalMs});
  EXPECT_LT(toJson(settings).dump().size(), 64u * 1024 - 16);
}

}  // namespace
}  // namespace nefia::ipc
