// IpcChannel: one end of a supervisor<->worker control channel, an AF_UNIX SOCK_SEQPACKET socket driven by
// a libuv uv_poll_t, with sendmsg/recvmsg and SCM_RIGHTS. Not libuv's ipc pipes: they carry only tcp, pipe
// and udp handles and attach at most one per write, while we pass any fd type (the UDP socket, the
// tunnel<->forwarder SEQPACKET socketpair, connected TCP fds) bound to the exact frame that announces it,
// and we want one message boundary per frame. The channel never interprets frames and never logs (a
// worker's logger writes through it): errors go back to its owner as return values or onClosed().
#pragma once

#include <uv.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "ipc/frame.h"
#include "ipc/message_types.h"
#include "common/unique_fd.h"
#include "common/uv_handle.h"

namespace nefia::ipc {

struct ChannelLimits {
  // Frames wait here while the peer's socket is full; beyond this send() fails (the peer is not reading).
  std::size_t maxQueuedBytes = 1024 * 1024;
  // Datagrams read per wake-up before the loop gets a turn, so one chatty worker cannot starve the rest.
  int maxFramesPerWakeup = 64;
};

// A connected SOCK_SEQPACKET pair, both ends close-on-exec and non-blocking (the spawner dup2()s the
// worker's end to its fixed fd, which clears close-on-exec on that copy only).
Result<std::pair<UniqueFd, UniqueFd>> makeChannelPair();

class IpcChannel : public std::enable_shared_from_this<IpcChannel> {
 public:
  // Every received datagram, unchecked: the owner decodes it (checkInbound on the supervisor,
  // WorkerChannel in a worker). The fds in the frame are closed with it unless the owner moves them out.
  using MessageHandler = std::function<void(RawFrame&&)>;
  // The peer hung up or the socket failed; called at most once, and never after close().
  using ClosedHandler = std::function<void(std::string reason)>;

  // Takes over `socket`, makes it non-blocking and starts reading on the next loop iteration; set the
  // handlers before returning to the loop. `peerName` ("worker tunnel", "supervisor") names the peer in errors.
  // Handlers must not hold a shared_ptr to this channel (that would be a cycle).
  static Result<std::shared_ptr<IpcChannel>> open(uv_loop_t* loop, UniqueFd socket, std::string peerName,
                                                  ChannelLimits limits = {});
  ~IpcChannel();
  IpcChannel(const IpcChannel&) = delete;
  IpcChannel& operator=(const IpcChannel&) = delete;

  void onMessage(MessageHandler handler) { messageHandler_ = std::move(handler); }
  void onClosed(ClosedHandler handler) { closedHandler_ = std::move(handler); }

  // Sends one frame now, or queues it (with duplicates of `fds`) while the socket is full, preserving order.
  // The caller keeps ownership of `fds`. Fails when the channel is closed, the frame is too large, more than
  // kMaxFdsPerFrame fds are given, the queue bound would be exceeded, or the socket reports an error.
  Status send(MessageType type, const nlohmann::json& payload, std::span<const int> fds = {});
  Status sendBytes(MessageType type, std::string_view payload, std::span<const int> fds = {});

  // Stops reading and writing, drops queued frames (closing their fds) and closes the socket; `done` runs
  // from the libuv close callback. Safe to call from inside either handler, and more than once.
  void close(std::function<void()> done = {});

  bool isOpen() const { return state_ == State::kOpen; }
  std::size_t queuedBytes() const { return queuedBytes_; }
  std::size_t queuedFrames() const { return queue_.size(); }
  const std::string& peerName() const { return peerName_; }

 private:
  enum class State { kOpen, kFailed, kClosed };
  struct Outbound {
    Outbound() = default;
    Outbound(Outbound&&) noexcept = default;
    Outbound& operator=(Outbound&&) noexcept = default;
    ~Outbound();
    std::vector<uint8_t> bytes;
    std::vector<UniqueFd> fds;
  };

  IpcChannel(UniqueFd socket, std::string peerName, ChannelLimits limits);
  static void onPollEvent(uv_poll_t* handle, int status, int events);
  void readAvailable();
  void flushQueue();
  void updatePolling();
  void fail(std::string reason);
  void stopPolling();
  int sendNow(const std::vector<uint8_t>& bytes, std::span<const int> fds);

  UniqueFd socket_;
  std::string peerName_;
  ChannelLimits limits_;
  UvHandle<uv_poll_t> poll_;
  State state_ = State::kOpen;
  int pollingEvents_ = 0;
  std::deque<Outbound> queue_;
  std::size_t queuedBytes_ = 0;
  std::vector<uint8_t> receiveBuffer_;
  MessageHandler messageHandler_;
  ClosedHandler closedHandler_;
};

}  // namespace nefia::ipc
