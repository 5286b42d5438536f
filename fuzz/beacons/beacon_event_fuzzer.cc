// Fuzzes the beacon event parser (what the supervisor reads from the beacons worker), the beacons settings
// and status parsers, and both sides of the reactor's ndjson wire (event lines for the reactor, ack lines
// for the agent, the bounded line reader): never crash or throw; what is accepted round-trips unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ipc/beacon_payloads.h"
#include "ipc/json_fields.h"
#include "ipc/reactor_wire.h"
#include "ipc/settings_payloads.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nefia::ipc;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  NdjsonLineReader reader;
  if (auto lines = reader.feed(text); lines.ok()) {
    for (const std::string& line : *lines) {
      if (line.size() > kMaxReactorLineBytes) std::abort();
      if (auto ack = parseAckLine(line); ack.ok()) {
        std::string again = encodeAckLine(*ack);
        again.pop_back();
        if (!(parseAckLine(again).value() == *ack)) std::abort();
      }
      if (auto event = parseEventLine(line); event.ok()) {
        std::string again = encodeEventLine(*event);
        again.pop_back();
        if (!(parseEventLine(again).value() == *event)) std::abort();
      }
    }
  }
  auto object = parseJsonObject(text);
  if (!object.ok()) return 0;
  if (auto event = parseBeaconEvent(*object); event.ok()) {
    const nlohmann::json again = toJson(*event);
    (void)again.dump();  // must not throw: every string was checked
    auto reparsed = parseBeaconEvent(again);
    if (!reparsed.ok() || !(*reparsed == *event)) std::abort();
  }
  if (auto settings = parseBeaconsSettings(*object); settings.ok()) {
    auto reparsed = parseBeaconsSettings(toJson(*settings));
    if (!reparsed.ok() || !(*reparsed == *settings)) std::abort();
  }
  if (auto status = parseBeaconsStatus(*object); status.ok()) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& check : status->checks) checks.push_back(toJson(check));
    auto reparsed = parseBeaconsStatus(nlohmann::json{{"checks", checks}});
    if (!reparsed.ok() || !(*reparsed == *status)) std::abort();
  }
  // Sanitising any bytes gives text the event parser accepts.
  const std::string clean = sanitizeBeaconText(text, kMaxBeaconMessageBytes);
  if (clean.size() > kMaxBeaconMessageBytes || hasControlCharacters(clean)) std::abort();
  (void)nlohmann::json(clean).dump();
  return 0;
}
