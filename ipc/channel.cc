// IpcChannel: SOCK_SEQPACKET I/O with SCM_RIGHTS under a uv_poll_t, an order-preserving bounded queue for
// when the peer's socket is full, and hang-up detection. Never blocks, never logs, never leaks a received fd.
#include "ipc/channel.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace nefia::ipc {
namespace {

// Room for one fd more than a frame may carry: an extra fd is then received, counted and rejected by the
// owner's checks instead of silently dropped by the kernel.
constexpr std::size_t kReceiveControlBytes = CMSG_SPACE(sizeof(int) * (kMaxFdsPerFrame + 1));
constexpr std::size_t kSendControlBytes = CMSG_SPACE(sizeof(int) * kMaxFdsPerFrame);

std::string describeErrno(int error) { return std::strerror(error); }

}  // namespace

Result<std::pair<UniqueFd, UniqueFd>> makeChannelPair() {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends) != 0) {
    return makeError("cannot create the IPC socket pair: " + describeErrno(errno) +
                     " (check the open-file limit, ulimit -n)");
  }
  return std::make_pair(UniqueFd(ends[0]), UniqueFd(ends[1]));
}

IpcChannel::Outbound::~Outbound() {
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
}

IpcChannel::IpcChannel(UniqueFd socket, std::string peerName, ChannelLimits limits)
    : socket_(std::move(socket)), peerName_(std::move(peerName)), limits_(limits), receiveBuffer_(kMaxFrameBytes) {}

Result<std::shared_ptr<IpcChannel>> IpcChannel::open(uv_loop_t* loop, UniqueFd socket, std::string peerName,
                                                     ChannelLimits limits) {
  if (!socket.valid()) return makeError("cannot open the IPC channel to " + peerName + ": no socket was given");
  const int flags = ::fcntl(socket.get(), F_GETFL);
  if (flags < 0 || ::fcntl(socket.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return makeError("cannot open the IPC channel to " + peerName + ": fd " + std::to_string(socket.get()) +
                     " is not usable (" + describeErrno(errno) + ")");
  }
  std::shared_ptr<IpcChannel> channel(new IpcChannel(std::move(socket), std::move(peerName), limits));
  const int status = channel->poll_.init(uv_poll_init, loop, channel->socket_.get());
  if (status != 0) {
    return makeError("cannot watch the IPC channel to " + channel->peerName_ + ": " + uv_strerror(status));
  }
  channel->poll_.get()->data = channel.get();
  channel->updatePolling();
  if (channel->state_ != State::kOpen) {
    return makeError("cannot watch the IPC channel to " + channel->peerName_ + ": polling could not start");
  }
  return channel;
}

IpcChannel::~IpcChannel() {
  stopPolling();
  socket_.reset();
  poll_.close();
}

void IpcChannel::stopPolling() {
  if (poll_.initialized() && pollingEvents_ != 0) uv_poll_stop(poll_.get());
  pollingEvents_ = 0;
}

void IpcChannel::updatePolling() {
  if (state_ != State::kOpen) return;
  const int wanted = UV_READABLE | UV_DISCONNECT | (queue_.empty() ? 0 : UV_WRITABLE);
  if (wanted == pollingEvents_) return;
  const int status = uv_poll_start(poll_.get(), wanted, &IpcChannel::onPollEvent);
  if (status != 0) {
    fail("cannot watch the socket: " + std::string(uv_strerror(status)));
    return;
  }
  pollingEvents_ = wanted;
}

void IpcChannel::onPollEvent(uv_poll_t* handle, int status, int events) {
  // Held for the whole callback: a handler may drop the owner's last reference to this channel.
  std::shared_ptr<IpcChannel> self = static_cast<IpcChannel*>(handle->data)->shared_from_this();
  if (status < 0) {
    self->fail("the socket failed: " + std::string(uv_strerror(status)));
    return;
  }
  if ((events & UV_WRITABLE) != 0) self->flushQueue();
  if ((events & (UV_READABLE | UV_DISCONNECT)) != 0) self->readAvailable();
}

void IpcChannel::readAvailable() {
  for (int frames = 0; frames < limits_.maxFramesPerWakeup && state_ == State::kOpen; ++frames) {
    iovec vector{receiveBuffer_.data(), receiveBuffer_.size()};
    alignas(cmsghdr) unsigned char control[kReceiveControlBytes];
    msghdr header{};
    header.msg_iov = &vector;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    const ssize_t received = ::recvmsg(socket_.get(), &header, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (received < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == ECONNRESET) {
        fail("peer hung up");
      } else {
        fail("receive failed: " + describeErrno(errno));
      }
      return;
    }

    RawFrame frame;
    // Take ownership of every fd first, so none leaks whatever else is wrong with the datagram.
    for (cmsghdr* message = CMSG_FIRSTHDR(&header); message != nullptr; message = CMSG_NXTHDR(&header, message)) {
      if (message->cmsg_level != SOL_SOCKET || message->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (message->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t index = 0; index < count; ++index) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(message) + index * sizeof(int), sizeof(int));
        frame.fds.emplace_back(fd);
      }
    }
    // On SOCK_SEQPACKET an empty read is the end of the stream; a peer that sends an empty datagram
    // on purpose is treated as hanging up, which ends the same way for it (restart).
    if (received == 0 && frame.fds.empty()) {
      fail("peer hung up");
      return;
    }
    frame.bytes.assign(receiveBuffer_.begin(), receiveBuffer_.begin() + received);
    sodium_memzero(receiveBuffer_.data(), static_cast<std::size_t>(received));
    frame.truncated = (header.msg_flags & MSG_TRUNC) != 0;
    frame.controlTruncated = (header.msg_flags & MSG_CTRUNC) != 0;
    // A copy, so a handler that replaces the handlers does not destroy the function that is running.
    MessageHandler handler = messageHandler_;
    if (handler) handler(std::move(frame));
  }
}

int IpcChannel::sendNow(const std::vector<uint8_t>& bytes, std::span<const int> fds) {
  iovec vector{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) unsigned char control[kSendControlBytes] = {};
  msghdr header{};
  header.msg_iov = &vector;
  header.msg_iovlen = 1;
  if (!fds.empty()) {
    header.msg_control = control;
    header.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* message = CMSG_FIRSTHDR(&header);
    message->cmsg_level = SOL_SOCKET;
    message->cmsg_type = SCM_RIGHTS;
    message->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(message), fds.data(), sizeof(int) * fds.size());
  }
  while (true) {
    if (::sendmsg(socket_.get(), &header, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) return 0;
    if (errno != EINTR) return errno == EWOULDBLOCK ? EAGAIN : errno;
  }
}

Status IpcChannel::send(MessageType type, const nlohmann::json& payload, std::span<const int> fds) {
  // Replace rather than throw on invalid UTF-8: exceptions must not cross the event loop.
  return sendBytes(type, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), fds);
}

Status IpcChannel::sendBytes(MessageType type, std::string_view payload, std::span<const int> fds) {
  const std::string what = "cannot send " + std::string(toString(type)) + " to " + peerName_ + ": ";
  if (state_ != State::kOpen) return makeError(what + "the IPC channel is closed");
  if (fds.size() > kMaxFdsPerFrame) {
    return makeError(what + std::to_string(fds.size()) + " fds given, a frame carries at most " +
                     std::to_string(kMaxFdsPerFrame));
  }
  Result<std::vector<uint8_t>> encoded = encodeFrame(static_cast<uint8_t>(type), payload);
  if (!encoded.ok()) return makeError(what + encoded.error());

  if (queue_.empty()) {
    const int error = sendNow(*encoded, fds);
    if (error == 0) {
      sodium_memzero(encoded->data(), encoded->size());
      return Status::success();
    }
    if (error != EAGAIN) return makeError(what + describeErrno(error));
  }
  if (queuedBytes_ + encoded->size() > limits_.maxQueuedBytes) {
    sodium_memzero(encoded->data(), encoded->size());
    return makeError(what + std::to_string(queuedBytes_) + " bytes already wait in its IPC queue (limit " +
                     std::to_string(limits_.maxQueuedBytes) + "); the peer is not reading");
  }
  Outbound outbound;
  for (int fd : fds) {
    UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy.valid()) return makeError(what + "cannot keep fd " + std::to_string(fd) + ": " + describeErrno(errno));
    outbound.fds.push_back(std::move(copy));
  }
  queuedBytes_ += encoded->size();
  outbound.bytes = std::move(encoded.value());
  queue_.push_back(std::move(outbound));
  updatePolling();
  return Status::success();
}

void IpcChannel::flushQueue() {
  while (!queue_.empty() && state_ == State::kOpen) {
    Outbound& front = queue_.front();
    std::vector<int> fds;
    for (const UniqueFd& fd : front.fds) fds.push_back(fd.get());
    const int error = sendNow(front.bytes, fds);
    if (error == EAGAIN) break;
    if (error != 0) {
      fail(error == EPIPE || error == ECONNRESET ? "peer hung up" : "send failed: " + describeErrno(error));
      return;
    }
    queuedBytes_ -= front.bytes.size();
    queue_.pop_front();
  }
  updatePolling();
}

void IpcChannel::fail(std::string reason) {
  if (state_ != State::kOpen) return;
  state_ = State::kFailed;
  stopPolling();
  queue_.clear();
  queuedBytes_ = 0;
  ClosedHandler handler = closedHandler_;
  if (handler) handler(std::move(reason));
}

void IpcChannel::close(std::function<void()> done) {
  state_ = State::kClosed;
  stopPolling();
  queue_.clear();
  queuedBytes_ = 0;
  socket_.reset();
  poll_.close(std::move(done));
}

}  // namespace nefia::ipc
