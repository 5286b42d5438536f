// checkInbound(): framing, message table and payload schema checks on one worker frame, in that order.
// Never act on a frame here and never include payload bytes in an error (a worker could smuggle text).
#include "ipc/inbound_policy.h"

#include <string>

#include "ipc/json_fields.h"

namespace nefia::ipc {
namespace {

Error reject(Role sender, const std::string& what) {
  return makeError("worker " + std::string(toString(sender)) + " sent " + what + "; restarting it");
}

// "ready and log": derived from the table so the text stays true when messages are added.
std::string acceptedWhileStarting() {
  std::string names;
  for (const MessageSpec& spec : kMessages) {
    if (spec.direction != Direction::kToSupervisor || (spec.acceptedIn & stateBit(WorkerState::kStarting)) == 0) {
      continue;
    }
    if (!names.empty()) names += " and ";
    names += spec.name;
  }
  return names;
}

std::string fdCount(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " file descriptor" : " file descriptors");
}

Result<InboundMessage> parsePayload(Role sender, MessageType type, const nlohmann::json& object) {
  const auto wrap = [&](auto parsed) -> Result<InboundMessage> {
    if (!parsed.ok()) {
      return reject(sender, std::string(toString(type)) + " with an invalid payload: " + parsed.error());
    }
    return InboundMessage{type, std::move(parsed.value())};
  };
  switch (type) {
    case MessageType::kReady: return wrap(parseReady(object));
    case MessageType::kLog: return wrap(parseLog(object));
    case MessageType::kStatusReport: return wrap(parseStatusReport(object, sender));
    case MessageType::kConnectRequest: return wrap(parseConnectRequest(object));
    case MessageType::kShutdownComplete: return wrap(parseShutdownComplete(object));
    case MessageType::kBeaconEvent: return wrap(parseBeaconEvent(object));
    case MessageType::kConfigure:
    case MessageType::kConfigUpdate:
    case MessageType::kHandOverFd:
    case MessageType::kConnectResult:
    case MessageType::kStatusRequest:
    case MessageType::kShutdown:
      break;
  }
  // The direction check runs first, so reaching this is a table entry without a parser: our own bug.
  return reject(sender, std::string(toString(type)) + ", which the supervisor has no parser for");
}

}  // namespace

Result<InboundMessage> checkInbound(Role sender, WorkerState state, const RawFrame& frame) {
  Result<FrameView> view = decodeFrame(frame);
  if (!view.ok()) return reject(sender, view.error());

  const MessageSpec* spec = findMessage(view->type);
  if (spec == nullptr) return reject(sender, "unknown message type " + std::to_string(view->type));
  const std::string name(spec->name);

  if (spec->direction != Direction::kToSupervisor || (spec->senders & roleBit(sender)) == 0) {
    return reject(sender, name + ", which only " + describeRoles(spec->senders) + " may send");
  }
  if ((spec->acceptedIn & stateBit(state)) == 0) {
    if (state == WorkerState::kStarting) {
      return reject(sender, name + " before it reported ready (only " + acceptedWhileStarting() + " are accepted until then)");
    }
    return reject(sender, name + " while " + std::string(toString(state)) + " (accepted only while " +
                              describeStates(spec->acceptedIn) + ")");
  }
  if (frame.fds.size() < spec->minFds || frame.fds.size() > spec->maxFds) {
    return reject(sender, name + " with " + fdCount(frame.fds.size()) + " attached, which " + name + " " +
                              describeFdRule(*spec));
  }

  Result<nlohmann::json> object = parseJsonObject(view->payload);
  if (!object.ok()) return reject(sender, name + " with " + object.error());
  return parsePayload(sender, spec->type, *object);
}

}  // namespace nefia::ipc
