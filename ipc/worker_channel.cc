// WorkerChannel: decoding and checking of supervisor frames in a worker, and role checks on what it sends.
// Never act on a frame that failed a check; never log payloads (configure carries keys).
#include "ipc/worker_channel.h"

#include "ipc/json_fields.h"

namespace nefia::ipc {
namespace {

Error rejectFromSupervisor(const std::string& what) { return makeError("supervisor sent " + what); }

}  // namespace

Result<Message> checkFromSupervisor(Role self, RawFrame&& frame) {
  Result<FrameView> view = decodeFrame(frame);
  if (!view.ok()) return rejectFromSupervisor(view.error());
  const MessageSpec* spec = findMessage(view->type);
  if (spec == nullptr) return rejectFromSupervisor("unknown message type " + std::to_string(view->type));
  const std::string name(spec->name);
  if (spec->direction != Direction::kToWorker) {
    return rejectFromSupervisor(name + ", which only workers send");
  }
  if ((spec->receivers & roleBit(self)) == 0) {
    return rejectFromSupervisor(name + ", which only " + describeRoles(spec->receivers) + " receives");
  }
  if (frame.fds.size() < spec->minFds || frame.fds.size() > spec->maxFds) {
    return rejectFromSupervisor(name + " with " + std::to_string(frame.fds.size()) + " fds attached, which " + name +
                                " " + describeFdRule(*spec));
  }
  Result<nlohmann::json> object = parseJsonObject(view->payload);
  if (!object.ok()) return rejectFromSupervisor(name + " with " + object.error());
  return Message{spec->type, std::move(object.value()), std::move(frame.fds)};
}

Result<std::unique_ptr<WorkerChannel>> WorkerChannel::open(uv_loop_t* loop, Role self, UniqueFd socket) {
  Result<std::shared_ptr<IpcChannel>> channel = IpcChannel::open(loop, std::move(socket), "supervisor");
  if (!channel.ok()) return makeError(channel.error());
  std::unique_ptr<WorkerChannel> worker(new WorkerChannel(self, std::move(channel.value())));
  WorkerChannel* raw = worker.get();
  // The handlers hold a raw pointer: ~WorkerChannel closes the channel, after which they are never called.
  raw->channel_->onMessage([raw](RawFrame&& frame) { raw->handleFrame(std::move(frame)); });
  raw->channel_->onClosed([raw](std::string reason) { raw->handleClosed(std::move(reason)); });
  return worker;
}

WorkerChannel::WorkerChannel(Role self, std::shared_ptr<IpcChannel> channel)
    : self_(self), channel_(std::move(channel)) {}

WorkerChannel::~WorkerChannel() { channel_->close(); }

void WorkerChannel::handleFrame(RawFrame&& frame) {
  Result<Message> message = checkFromSupervisor(self_, std::move(frame));
  if (!message.ok()) {
    // Stop reading first: nothing after an invalid frame can be trusted to be in sequence.
    ClosedHandler handler = closedHandler_;
    channel_->close();
    if (handler) handler(message.error());
    return;
  }
  MessageHandler handler = messageHandler_;
  if (handler) handler(std::move(message.value()));
}

void WorkerChannel::handleClosed(std::string reason) {
  ClosedHandler handler = closedHandler_;
  if (handler) handler("supervisor channel closed: " + reason);
}

Status WorkerChannel::send(MessageType type, const nlohmann::json& payload, std::span<const int> fds) {
  const MessageSpec& spec = specOf(type);
  if (spec.direction != Direction::kToSupervisor || (spec.senders & roleBit(self_)) == 0) {
    return makeError("the " + std::string(toString(self_)) + " worker may not send " + std::string(spec.name) +
                     " (only " + describeRoles(spec.senders) + " may)");
  }
  return channel_->send(type, payload, fds);
}

void WorkerChannel::close(std::function<void()> done) { channel_->close(std::move(done)); }

}  // namespace nefia::ipc
