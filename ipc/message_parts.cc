// splitIntoParts() and readPartNumber() for messages that span several frames (message_parts.h).
// Never produces a part above the frame limit: sizes are measured on the encoded JSON.
#include "ipc/message_parts.h"

#include "ipc/json_fields.h"

namespace nefia::ipc {
namespace {
constexpr std::size_t kPartFieldsBytes = 64;  // ,"part":63,"parts":64 with room to spare
}

std::vector<nlohmann::json> splitIntoParts(const nlohmann::json& header, std::string_view listField,
                                           const std::vector<nlohmann::json>& items, std::size_t maxPayloadBytes) {
  const std::size_t headerBytes = header.dump().size() + listField.size() + kPartFieldsBytes;
  const std::size_t budget = maxPayloadBytes > headerBytes ? maxPayloadBytes - headerBytes : 0;
  std::vector<nlohmann::json> lists(1, nlohmann::json::array());
  std::size_t used = 0;
  for (const nlohmann::json& item : items) {
    const std::size_t itemBytes = item.dump().size() + 1;  // the comma
    if (used + itemBytes > budget && !lists.back().empty()) {
      lists.emplace_back(nlohmann::json::array());
      used = 0;
    }
    lists.back().push_back(item);
    used += itemBytes;
  }
  std::vector<nlohmann::json> parts;
  for (std::size_t index = 0; index < lists.size(); ++index) {
    nlohmann::json part = header;
    part[std::string(listField)] = std::move(lists[index]);
    part["part"] = index;
    part["parts"] = lists.size();
    parts.push_back(std::move(part));
  }
  return parts;
}

Result<PartNumber> readPartNumber(const nlohmann::json& object) {
  if (!object.contains("part") && !object.contains("parts")) return PartNumber{};
  auto parts = readUnsigned(object, "parts", kMaxMessageParts, 1);
  if (!parts.ok()) return makeError(parts.error());
  auto part = readUnsigned(object, "part", *parts - 1);
  if (!part.ok()) return makeError(part.error());
  return PartNumber{*part, *parts};
}

}  // namespace nefia::ipc
