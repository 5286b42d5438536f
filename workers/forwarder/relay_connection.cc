// RelayConnection: the byte pump of one forwarded connection. Pipeline:
//  1. operator -> lwIP recv callback -> received_ (pbufs held) -> uv_try_write / uv_write to the local
//     socket -> tcp_recved only for bytes the local socket took (so lwIP's window is the bound);
//  2. local socket -> one read chunk -> tcp_write (copy) while lwIP's send buffer has room; reading stops
//     while a remainder waits and resumes from the sent/poll callbacks;
//  3. FIN either way is passed on after the data before it; RST either way resets the other side.
// Must never call tcp_recved for bytes the local socket has not accepted, nor touch a pcb lwIP freed.
#include "workers/forwarder/relay_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "common/log.h"
#include "common/panic.h"
#include "workers/forwarder/congestion_hook.h"
#include "workers/forwarder/constants.h"

namespace nefia::forwarder {
namespace {

constexpr const char* kComponent = "forwarder";
// iovecs handed to one write call (pbufs are about one MSS each: 64 of them is ~88 KiB).
constexpr std::size_t kMaxWriteBuffers = 64;
// lwIP's length parameters (tcp_write, tcp_recved) are 16-bit.
constexpr std::size_t kMaxLwipChunk = 0xffff;
// tcp_write walks lwIP's whole unsent queue to find its tail: with a 1 MiB send buffer full of unsent
// segments and a sliver written per ACK that walk took 15% of the forwarder's CPU in a download. So lwIP
// holds at most kMaxUnsentBytes (constants.h) not yet sent (enough for many ACKs' worth of new data: the sent
// callback refills it), and while it still has unsent data of its own we wait until kMinLwipWrite can go at once.
constexpr std::size_t kMinLwipWrite = 32 * 1024;
// The poll callback retries a tcp_write that failed for memory or waited for room: every 2 ticks of lwIP's slow
// timer (2 x TCP_TMR_INTERVAL = 20 ms in lwipopts.h), so every 40 ms while the connection is open.
constexpr u8_t kPollInterval = 2;

std::string describePeer(const struct tcp_pcb* pcb) {
  char address[IPADDR_STRLEN_MAX];
  ipaddr_ntoa_r(&pcb->remote_ip, address, sizeof address);
  return std::string(address) + ":" + std::to_string(pcb->remote_port);
}

}  // namespace

RelayConnection::RelayConnection(uv_loop_t* loop, struct tcp_pcb* pcb, uint64_t id, ClosedCallback onClosed)
    : loop_(loop), pcb_(pcb), id_(id), peer_(describePeer(pcb)), onClosed_(std::move(onClosed)),
      readBuffer_(new uint8_t[kLocalReadChunk]) {
  check(local_.init(uv_tcp_init, loop_) == 0, "uv_tcp_init failed for a relay handle (it creates no socket)");
  local_.get()->data = this;
  tcp_arg(pcb_, this);
  attachCongestionControl(pcb_, &congestion_);
  tcp_recv(pcb_, &RelayConnection::onLwipReceive);
  tcp_sent(pcb_, &RelayConnection::onLwipSent);
  tcp_err(pcb_, &RelayConnection::onLwipError);
  tcp_poll(pcb_, &RelayConnection::onLwipPoll, kPollInterval);
  // We write whole read chunks and push them at once; Nagle would only delay interactive keystrokes.
  tcp_nagle_disable(pcb_);
}

RelayConnection::~RelayConnection() {
  if (pcb_ != nullptr) releasePcb(PcbRelease::kReset);
  for (struct pbuf* buffer : received_) pbuf_free(buffer);
}

bool RelayConnection::abortedWhile(const std::function<void()>& action) { return guarded(action) == ERR_ABRT; }

err_t RelayConnection::guarded(const std::function<void()>& action) {
  ++callbackDepth_;
  action();
  --callbackDepth_;
  if (callbackDepth_ == 0 && abortedInCallback_) {
    abortedInCallback_ = false;
    return ERR_ABRT;
  }
  return ERR_OK;
}

// ---- 1. operator -> local ----

err_t RelayConnection::onLwipReceive(void* arg, struct tcp_pcb*, struct pbuf* data, err_t) {
  auto* self = static_cast<RelayConnection*>(arg);
  return self->guarded([self, data] { self->onRemoteData(data); });
}

void RelayConnection::onRemoteData(struct pbuf* data) {
  if (data == nullptr) {
    remoteFinished_ = true;
    flushToLocal();
    return;
  }
  // Hold each pbuf of the chain separately so a partially written one can be released on its own.
  while (data != nullptr) {
    struct pbuf* rest = data->next;
    if (rest != nullptr) {
      pbuf_ref(rest);
      pbuf_dechain(data);
    }
    if (data->len > 0) {
      received_.push_back(data);
      heldBytes_ += data->len;
    } else {
      pbuf_free(data);
    }
    data = rest;
  }
  flushToLocal();
}

void RelayConnection::flushToLocal() {
  if (!localOpen_ || closing_ || writeInFlight_) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(local_.get());
  uv_buf_t buffers[kMaxWriteBuffers];
  auto fillBuffers = [&](std::size_t& total) {
    std::size_t count = 0;
    total = 0;
    for (auto it = received_.begin(); it != received_.end() && count < kMaxWriteBuffers; ++it, ++count) {
      const std::size_t offset = (it == received_.begin()) ? frontOffset_ : 0;
      buffers[count] = uv_buf_init(static_cast<char*>((*it)->payload) + offset, (*it)->len - offset);
      total += (*it)->len - offset;
    }
    return count;
  };
  while (!received_.empty()) {
    std::size_t total = 0;
    const std::size_t count = fillBuffers(total);
    int written = uv_try_write(stream, buffers, count);
    if (written == UV_EAGAIN) written = 0;
    if (written < 0) {
      abortBoth("writing to the SSH server failed");
      return;
    }
    consumeDelivered(static_cast<std::size_t>(written));
    if (static_cast<std::size_t>(written) < total) {
      // Short write: libuv finishes the rest when the socket drains; those pbufs stay held until then.
      const std::size_t restCount = fillBuffers(writeBytes_);
      writeRequest_.data = this;
      if (uv_write(&writeRequest_, stream, buffers, restCount, &RelayConnection::onLocalWritten) != 0) {
        abortBoth("writing to the SSH server failed");
        return;
      }
      writeInFlight_ = true;
      return;
    }
  }
  if (remoteFinished_ && !localShutdownStarted_) {
    localShutdownStarted_ = true;
    shutdownRequest_.data = this;
    if (uv_shutdown(&shutdownRequest_, stream, &RelayConnection::onLocalShutdown) != 0) {
      abortBoth("half-closing the SSH server connection failed");
    }
  }
}

void RelayConnection::consumeDelivered(std::size_t bytes) {
  const std::size_t delivered = bytes;
  std::size_t remaining = bytes;
  while (remaining > 0) {
    struct pbuf* front = received_.front();
    const std::size_t available = front->len - frontOffset_;
    if (remaining < available) {
      frontOffset_ += remaining;
      break;
    }
    remaining -= available;
    heldBytes_ -= front->len;
    pbuf_free(front);
    received_.pop_front();
    frontOffset_ = 0;
  }
  // Only now may the operator send more: this is what bounds the buffer to lwIP's window.
  while (pcb_ != nullptr && bytes > 0) {
    const std::size_t chunk = std::min(bytes, kMaxLwipChunk);
    tcp_recved(pcb_, static_cast<u16_t>(chunk));
    bytes -= chunk;
  }
  if (pcb_ != nullptr) buffers_.delivered(pcb_, delivered);
}

void RelayConnection::onLocalWritten(uv_write_t* request, int status) {
  auto* self = static_cast<RelayConnection*>(request->data);
  self->writeInFlight_ = false;
  if (status == UV_ECANCELED) return;  // the handle is closing
  if (status < 0) {
    self->abortBoth("writing to the SSH server failed");
    return;
  }
  self->consumeDelivered(self->writeBytes_);
  self->flushToLocal();
  self->maybeFinish();
}

void RelayConnection::onLocalShutdown(uv_shutdown_t* request, int status) {
  auto* self = static_cast<RelayConnection*>(request->data);
  if (status == UV_ECANCELED) return;
  if (status < 0) {
    self->abortBoth("half-closing the SSH server connection failed");
    return;
  }
  self->localShutdownDone_ = true;
  self->maybeFinish();
}

// ---- 2. local -> operator ----

void RelayConnection::attachLocal(int fd) {
  if (closing_) {
    ::close(fd);
    return;
  }
  if (uv_tcp_open(local_.get(), fd) != 0) {
    ::close(fd);
    abortBoth("the broker's socket could not be used");
    return;
  }
  localOpen_ = true;
  uv_tcp_nodelay(local_.get(), 1);
  startReading();
  flushToLocal();
  maybeFinish();
}

void RelayConnection::startReading() {
  if (reading_ || !localOpen_ || closing_ || localFinished_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(local_.get()), &RelayConnection::onAllocate,
                    &RelayConnection::onLocalRead) == 0) {
    reading_ = true;
  }
}

void RelayConnection::stopReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(local_.get()));
  reading_ = false;
}

void RelayConnection::onAllocate(uv_handle_t* handle, std::size_t, uv_buf_t* buffer) {
  auto* self = static_cast<RelayConnection*>(handle->data);
  *buffer = uv_buf_init(reinterpret_cast<char*>(self->readBuffer_.get()), kLocalReadChunk);
}

void RelayConnection::onLocalRead(uv_stream_t* stream, ssize_t length, const uv_buf_t*) {
  auto* self = static_cast<RelayConnection*>(stream->data);
  if (length == 0) return;
  if (length == UV_EOF) {
    self->reading_ = false;
    self->localFinished_ = true;
    self->pumpToTunnel();
    return;
  }
  if (length < 0) {
    self->abortBoth("the SSH server connection failed");
    return;
  }
  self->pendingOffset_ = 0;
  self->pendingLength_ = static_cast<std::size_t>(length);
  self->pumpToTunnel();
}

void RelayConnection::pumpToTunnel() {
  if (pcb_ == nullptr || closing_) return;
  bool wrote = false;
  while (pendingLength_ > 0) {
    const std::size_t unsentBytes = static_cast<u32_t>(pcb_->snd_lbb - pcb_->snd_nxt);
    if (unsentBytes >= kMaxUnsentBytes) break;
    const std::size_t room = std::min<std::size_t>(
        {tcp_sndbuf(pcb_), kMaxLwipChunk, kMaxUnsentBytes - unsentBytes, buffers_.sendRoom(pcb_)});
    const std::size_t length = std::min(pendingLength_, room);
    if (length == 0) break;
    if (length < std::min(pendingLength_, kMinLwipWrite) && pcb_->unsent != nullptr) break;
    const u8_t flags = TCP_WRITE_FLAG_COPY | (length < pendingLength_ ? TCP_WRITE_FLAG_MORE : 0);
    const err_t error = tcp_write(pcb_, readBuffer_.get() + pendingOffset_, static_cast<u16_t>(length), flags);
    if (error == ERR_MEM) break;  // send queue full: the sent or poll callback retries
    if (error != ERR_OK) {
      abortBoth("lwIP refused data for the operator");
      return;
    }
    wrote = true;
    pendingOffset_ += length;
    pendingLength_ -= length;
  }
  if (wrote) tcp_output(pcb_);
  if (pendingLength_ > 0) {
    stopReading();
    return;
  }
  if (localFinished_) {
    if (!finSent_ && tcp_shutdown(pcb_, 0, 1) == ERR_OK) {
      finSent_ = true;
      tcp_output(pcb_);
    }
    maybeFinish();
    return;
  }
  startReading();
}

err_t RelayConnection::onLwipSent(void* arg, struct tcp_pcb*, u16_t) {
  auto* self = static_cast<RelayConnection*>(arg);
  return self->guarded([self] { self->pumpToTunnel(); });
}

err_t RelayConnection::onLwipPoll(void* arg, struct tcp_pcb*) {
  auto* self = static_cast<RelayConnection*>(arg);
  return self->guarded([self] {
    self->pumpToTunnel();
    self->flushToLocal();
    if (self->pcb_ != nullptr) self->buffers_.tick(self->pcb_, self->heldBytes_);
  });
}

// ---- 3. closing ----

void RelayConnection::onLwipError(void* arg, err_t error) {
  auto* self = static_cast<RelayConnection*>(arg);
  // lwIP has already freed the pcb.
  self->pcb_ = nullptr;
  self->onRemoteError(error);
}

void RelayConnection::onRemoteError(err_t error) {
  if (error == ERR_CLSD && finSent_) {
    // Both FINs were exchanged and acknowledged: only the local delivery may still be running.
    maybeFinish();
    return;
  }
  logDebug(kComponent, "connection ", id_, " from ", peer_, " reset by the tunnel side (", lwip_strerr(error), ")");
  closeLocal(true);
}

void RelayConnection::maybeFinish() {
  if (closing_) return;
  const bool tunnelToLocalDone = remoteFinished_ && received_.empty() && localShutdownDone_;
  const bool localToTunnelDone = localFinished_ && pendingLength_ == 0 && (finSent_ || pcb_ == nullptr);
  if (!tunnelToLocalDone || !localToTunnelDone) return;
  if (pcb_ != nullptr) releasePcb(PcbRelease::kGraceful);
  closeLocal(false);
}

void RelayConnection::releasePcb(PcbRelease how) {
  struct tcp_pcb* pcb = pcb_;
  pcb_ = nullptr;
  tcp_arg(pcb, nullptr);
  attachCongestionControl(pcb, nullptr);
  tcp_recv(pcb, nullptr);
  tcp_sent(pcb, nullptr);
  tcp_err(pcb, nullptr);
  tcp_poll(pcb, nullptr, 0);
  // A graceful close lets lwIP finish the FIN handshake on its own; if it cannot, reset instead.
  if (how == PcbRelease::kGraceful && tcp_close(pcb) == ERR_OK) return;
  tcp_abort(pcb);
  if (callbackDepth_ > 0) abortedInCallback_ = true;
}

void RelayConnection::closeLocal(bool reset) {
  if (closing_) return;
  closing_ = true;
  stopReading();
  if (reset && localOpen_) {
    // Linger 0 makes close() send RST: the SSH server sees the reset the operator's side saw.
    uv_os_fd_t fd;
    if (uv_fileno(local_.asHandle(), &fd) == 0) {
      struct linger option{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    }
  }
  local_.close([this] { onClosed_(*this); });
}

void RelayConnection::abortBoth(const char* why) {
  logDebug(kComponent, "connection ", id_, " from ", peer_, " reset: ", why);
  if (pcb_ != nullptr) releasePcb(PcbRelease::kReset);
  closeLocal(true);
}

void RelayConnection::refuse() { abortBoth("the SSH server could not be reached"); }

void RelayConnection::abort() { abortBoth("closed by the forwarder (drain timeout or shutdown)"); }

}  // namespace nefia::forwarder
