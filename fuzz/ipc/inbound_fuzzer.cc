// Fuzzes the supervisor's handling of worker input: checkInbound() on arbitrary datagrams for every role and
// state (and both receive-flag cases), plus the worker's checkFromSupervisor(). Must never crash or throw;
// every rejection must be one clean log line, and every acceptance must be one the message table allows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ipc/inbound_policy.h"
#include "ipc/json_fields.h"
#include "ipc/worker_channel.h"

namespace {

using namespace nefia::ipc;

constexpr Role kRoles[] = {Role::kSupervisor, Role::kTunnel, Role::kForwarder, Role::kBeacons, Role::kUpdater};
constexpr WorkerState kStates[] = {WorkerState::kStarting, WorkerState::kReady, WorkerState::kStopping};

RawFrame frameOf(const std::uint8_t* data, std::size_t size) {
  RawFrame frame;
  frame.bytes.assign(data, data + size);
  return frame;
}

void checkRejectionLine(Role sender, const std::string& line) {
  const std::string prefix = "worker " + std::string(toString(sender)) + " sent ";
  const std::string_view suffix = "; restarting it";
  if (line.rfind(prefix, 0) != 0 || !std::string_view(line).ends_with(suffix)) std::abort();
  if (hasControlCharacters(line)) std::abort();  // a forged second log line
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const RawFrame frame = frameOf(data, size);
  for (Role sender : kRoles) {
    for (WorkerState state : kStates) {
      nefia::Result<InboundMessage> message = checkInbound(sender, state, frame);
      if (!message.ok()) {
        checkRejectionLine(sender, message.error());
        continue;
      }
      const MessageSpec& spec = specOf(message->type);
      if (spec.direction != Direction::kToSupervisor || (spec.senders & roleBit(sender)) == 0 ||
          (spec.acceptedIn & stateBit(state)) == 0) {
        std::abort();
      }
    }
  }
  RawFrame flagged = frameOf(data, size);
  flagged.truncated = (size % 2) == 0;
  flagged.controlTruncated = !flagged.truncated;
  if (checkInbound(Role::kTunnel, WorkerState::kReady, flagged).ok()) std::abort();

  for (Role self : kRoles) {
    nefia::Result<Message> message = checkFromSupervisor(self, frameOf(data, size));
    if (message.ok() && (specOf(message->type).receivers & roleBit(self)) == 0) std::abort();
  }
  return 0;
}
