// The worker's side of the control channel: checks what the supervisor sends (framing, table, receiver role,
// fd count, JSON object) and refuses to send what this worker's role may not. The worker trusts the supervisor
// but still never acts on a frame that fails these checks; it reports the reason and should exit.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "ipc/channel.h"
#include "ipc/fd_layout.h"
#include "ipc/frame.h"
#include "ipc/message_types.h"
#include "common/unique_fd.h"

namespace nefia::ipc {

// A supervisor message that passed checkFromSupervisor(). The payload is role-specific for configure and
// config_update; the other payloads go through their parse functions in payloads.h. Never log a payload.
struct Message {
  MessageType type;
  nlohmann::json payload;
  std::vector<UniqueFd> fds;
};

// Errors read "supervisor sent ..." (e.g. "supervisor sent connect_result, which only the forwarder receives").
Result<Message> checkFromSupervisor(Role self, RawFrame&& frame);

class WorkerChannel {
 public:
  using MessageHandler = std::function<void(Message&&)>;
  using ClosedHandler = std::function<void(std::string reason)>;

  // Opens the channel on `socket` (in a worker process: UniqueFd(kWorkerChannelFd)).
  static Result<std::unique_ptr<WorkerChannel>> open(uv_loop_t* loop, Role self, UniqueFd socket);
  ~WorkerChannel();
  WorkerChannel(const WorkerChannel&) = delete;
  WorkerChannel& operator=(const WorkerChannel&) = delete;

  void onMessage(MessageHandler handler) { messageHandler_ = std::move(handler); }
  // The supervisor hung up or sent an invalid frame (the channel is then already closed for reading).
  void onClosed(ClosedHandler handler) { closedHandler_ = std::move(handler); }

  // Refuses a message this role may not send (a bug in the worker), then sends like IpcChannel::send.
  Status send(MessageType type, const nlohmann::json& payload, std::span<const int> fds = {});

  // For IpcLogSink and for owners that need the raw channel.
  std::weak_ptr<IpcChannel> channel() const { return channel_; }
  void close(std::function<void()> done = {});

 private:
  WorkerChannel(Role self, std::shared_ptr<IpcChannel> channel);
  void handleFrame(RawFrame&& frame);
  void handleClosed(std::string reason);

  Role self_;
  std::shared_ptr<IpcChannel> channel_;
  MessageHandler messageHandler_;
  ClosedHandler closedHandler_;
};

}  // namespace nefia::ipc
