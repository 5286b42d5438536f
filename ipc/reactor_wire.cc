// The reactor's ndjson wire (reactor_wire.h): line framing with a bound, event and ack lines.
// Never throws, never echoes received bytes into an error.
#include "ipc/reactor_wire.h"

#include "ipc/json_fields.h"

namespace nefia::ipc {

std::string encodeEventLine(const BeaconEvent& event) {
  return toJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string encodeAckLine(const ReactorAck& ack) { return nlohmann::json{{"ack", ack.sequence}}.dump() + "\n"; }

Result<BeaconEvent> parseEventLine(std::string_view line) {
  if (line.size() > kMaxReactorLineBytes) return makeError("event line longer than the limit");
  auto object = parseJsonObject(line);
  if (!object.ok()) return makeError("event line with " + object.error());
  auto event = parseBeaconEvent(*object);
  if (!event.ok()) return makeError("event line: " + event.error());
  return event;
}

Result<ReactorAck> parseAckLine(std::string_view line) {
  if (line.size() > kMaxReactorLineBytes) return makeError("ack line longer than the limit");
  auto object = parseJsonObject(line);
  if (!object.ok()) return makeError("ack line with " + object.error());
  if (object->size() != 1) return makeError("ack line: exactly one field, \"ack\", is allowed");
  auto sequence = readUnsigned(*object, "ack", UINT64_MAX, 1);
  if (!sequence.ok()) return makeError("ack line: " + sequence.error());
  return ReactorAck{*sequence};
}

Result<std::vector<std::string>> NdjsonLineReader::feed(std::string_view bytes) {
  if (poisoned_) return makeError("the stream already broke the line rules");
  std::vector<std::string> lines;
  for (char byte : bytes) {
    if (byte == '\n') {
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      lines.push_back(std::move(partial_));
      partial_.clear();
      continue;
    }
    if (byte == '\0' || partial_.size() >= kMaxReactorLineBytes) {
      poisoned_ = true;
      partial_.clear();
      return makeError(byte == '\0' ? "a NUL byte in the stream"
                                    : "a line longer than " + std::to_string(kMaxReactorLineBytes) + " bytes");
    }
    partial_ += byte;
  }
  return lines;
}

}  // namespace nefia::ipc
