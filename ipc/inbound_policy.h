// The supervisor's hostile-input policy: every frame a worker sends passes checkInbound() before anything
// acts on it. A rejection's text is the one log line the supervisor writes before it kills and restarts
// that worker. Must never crash, throw or allocate without bound, whatever the bytes.
#pragma once

#include <variant>

#include "common/result.h"
#include "ipc/frame.h"
#include "ipc/message_types.h"
#include "ipc/payloads.h"

namespace nefia::ipc {

// A worker message that passed every check. No worker message carries fds today, so a frame with fds is
// rejected and its fds are closed with the RawFrame.
struct InboundMessage {
  MessageType type;
  std::variant<ReadyPayload, LogPayload, StatusReportPayload, ConnectRequestPayload, ShutdownCompletePayload,
               BeaconEvent>
      payload;
};

// Rejects, in this order: bad framing (oversized, truncated, malformed, too many fds), an unknown type, a
// supervisor-only type, a type the sender's role may not send, a type not accepted in `state`, fds where the
// message allows none, malformed JSON, a payload that does not match the message's schema. Example error:
// "worker tunnel sent connect_request, which only the forwarder may send; restarting it".
Result<InboundMessage> checkInbound(Role sender, WorkerState state, const RawFrame& frame);

}  // namespace nefia::ipc
