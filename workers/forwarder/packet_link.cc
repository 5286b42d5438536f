// PacketLink: batched packet I/O on the tunnel worker's SOCK_SEQPACKET socket.
// Never blocks (MSG_DONTWAIT everywhere) and never holds more than kMaxQueuedOutboundPackets packets.
#include "workers/forwarder/packet_link.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/log.h"
#include "workers/forwarder/constants.h"

namespace nefia::forwarder {
namespace {

constexpr const char* kComponent = "forwarder";
// Receive batches handled per readiness event before yielding to the rest of the loop.
constexpr int kMaxBatchesPerWakeup = 8;
// A larger send buffer lets a burst of lwIP output wait in the kernel instead of our ring.
constexpr int kSendBufferBytes = 1024 * 1024;

void enlargeSendBuffer(int fd) {
  int bytes = kSendBufferBytes;
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0) {
    logDebug(kComponent, "could not enlarge the packet socket's send buffer: ", std::strerror(errno));
  }
}

}  // namespace

PacketLink::PacketLink(uv_loop_t* loop, int fd, std::size_t maxPacketBytes, PacketLinkNames names)
    : loop_(loop),
      names_(names),
      fd_(fd),
      slotBytes_(maxPacketBytes),
      inbound_(std::make_unique_for_overwrite<uint8_t[]>(kPacketBatch * maxPacketBytes)),
      inboundIov_(kPacketBatch),
      inboundMessages_(kPacketBatch),
      outbound_(std::make_unique_for_overwrite<uint8_t[]>(kMaxQueuedOutboundPackets * maxPacketBytes)),
      outboundLength_(kMaxQueuedOutboundPackets) {
  for (std::size_t i = 0; i < kPacketBatch; ++i) {
    inboundIov_[i] = iovec{inbound_.get() + i * slotBytes_, slotBytes_};
    std::memset(&inboundMessages_[i], 0, sizeof(mmsghdr));
    inboundMessages_[i].msg_hdr.msg_iov = &inboundIov_[i];
    inboundMessages_[i].msg_hdr.msg_iovlen = 1;
  }
  enlargeSendBuffer(fd_.get());
  if (beforeBlocking_.init(uv_prepare_init, loop_) == 0) {
    beforeBlocking_.get()->data = this;
    uv_prepare_start(beforeBlocking_.get(), &PacketLink::beforeBlocking);
    // Runs just before the loop computes its poll timeout, after every timer, pending and I/O callback
    // that may have queued packets. It must not keep the loop alive by itself.
    uv_unref(beforeBlocking_.asHandle());
  }
}

PacketLink::~PacketLink() = default;

void PacketLink::start(PacketHandler onPacket) {
  onPacket_ = std::move(onPacket);
  startPolling();
}

void PacketLink::startPolling() {
  pollEvents_ = 0;
  const int status = poll_.init(uv_poll_init, loop_, fd_.get());
  if (status != 0) {
    markLinkDown("cannot be polled", -status);
    return;
  }
  poll_.get()->data = this;
  updatePollEvents();
}

void PacketLink::replaceFd(int fd) {
  // Close the poll handle before the fd: libuv must stop watching a descriptor before it goes away.
  poll_.close();
  poll_ = ipc::UvHandle<uv_poll_t>();
  stats_.droppedOutbound += count_;
  head_ = 0;
  count_ = 0;
  fd_.reset(fd);
  linkUp_ = true;
  waitingWritable_ = false;
  enlargeSendBuffer(fd_.get());
  logInfo(names_.component, "packet link to ", names_.peer, " replaced; resuming");
  if (onPacket_) startPolling();
}

void PacketLink::markLinkDown(const char* why, int error) {
  if (!linkUp_) return;
  linkUp_ = false;
  stats_.droppedOutbound += count_;
  head_ = 0;
  count_ = 0;
  waitingWritable_ = false;
  logWarn(names_.component, "packet link to ", names_.peer, " ", why, error != 0 ? ": " : "",
          error != 0 ? std::strerror(error) : "", "; ", names_.whileDown);
  updatePollEvents();
}

void PacketLink::updatePollEvents() {
  if (!poll_.initialized()) return;
  const int wanted = (linkUp_ ? UV_READABLE : 0) | (waitingWritable_ ? UV_WRITABLE : 0);
  if (wanted == pollEvents_) return;
  pollEvents_ = wanted;
  if (wanted == 0) {
    uv_poll_stop(poll_.get());
  } else {
    uv_poll_start(poll_.get(), wanted, &PacketLink::onPoll);
  }
}

void PacketLink::onPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<PacketLink*>(handle->data);
  if (status < 0) {
    self->markLinkDown("failed", -status);
    return;
  }
  if (events & UV_WRITABLE) self->flush();
  if (events & UV_READABLE) self->readBatches();
}

void PacketLink::beforeBlocking(uv_prepare_t* handle) {
  auto* self = static_cast<PacketLink*>(handle->data);
  if (self->count_ > 0 && !self->waitingWritable_) self->flush();
}

void PacketLink::readBatches() {
  for (int batch = 0; batch < kMaxBatchesPerWakeup && linkUp_; ++batch) {
    const int received = ::recvmmsg(fd_.get(), inboundMessages_.data(), kPacketBatch, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) markLinkDown("receive failed", errno);
      return;
    }
    for (int i = 0; i < received; ++i) {
      mmsghdr& message = inboundMessages_[i];
      if (message.msg_len == 0) {
        // A SOCK_SEQPACKET read of zero bytes is end of stream: the tunnel worker is gone.
        markLinkDown("was closed by its peer", 0);
        return;
      }
      if (message.msg_hdr.msg_flags & MSG_TRUNC) {
        ++stats_.droppedInbound;
        message.msg_hdr.msg_flags = 0;
        continue;
      }
      ++stats_.packetsIn;
      onPacket_(std::span<const uint8_t>(static_cast<const uint8_t*>(inboundIov_[i].iov_base), message.msg_len));
      // The handler may have replaced or closed the link.
      if (!linkUp_) return;
    }
    if (static_cast<std::size_t>(received) < kPacketBatch) return;
  }
}

bool PacketLink::send(std::span<const iovec> pieces) {
  std::size_t total = 0;
  for (const iovec& piece : pieces) total += piece.iov_len;
  if (!linkUp_ || total > slotBytes_) {
    ++stats_.droppedOutbound;
    return false;
  }
  if (count_ == kMaxQueuedOutboundPackets && !waitingWritable_) flush();
  if (count_ == kMaxQueuedOutboundPackets) {
    ++stats_.droppedOutbound;
    return false;
  }
  const std::size_t slot = (head_ + count_) % kMaxQueuedOutboundPackets;
  uint8_t* destination = outbound_.get() + slot * slotBytes_;
  for (const iovec& piece : pieces) {
    std::memcpy(destination, piece.iov_base, piece.iov_len);
    destination += piece.iov_len;
  }
  outboundLength_[slot] = total;
  ++count_;
  if (count_ >= kPacketBatch && !waitingWritable_) flush();
  return true;
}

void PacketLink::flush() {
  mmsghdr messages[kPacketBatch];
  iovec iov[kPacketBatch];
  while (count_ > 0 && linkUp_) {
    const std::size_t batch = std::min(count_, kPacketBatch);
    for (std::size_t i = 0; i < batch; ++i) {
      const std::size_t slot = (head_ + i) % kMaxQueuedOutboundPackets;
      iov[i] = iovec{outbound_.get() + slot * slotBytes_, outboundLength_[slot]};
      std::memset(&messages[i], 0, sizeof(mmsghdr));
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int sent = ::sendmmsg(fd_.get(), messages, batch, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        waitingWritable_ = true;
        updatePollEvents();
        return;
      }
      markLinkDown("send failed", errno);
      return;
    }
    head_ = (head_ + sent) % kMaxQueuedOutboundPackets;
    count_ -= sent;
    stats_.packetsOut += sent;
    if (static_cast<std::size_t>(sent) < batch) {
      waitingWritable_ = true;
      updatePollEvents();
      return;
    }
  }
  if (waitingWritable_) {
    waitingWritable_ = false;
    updatePollEvents();
  }
}

void PacketLink::close(std::function<void()> done) {
  auto remaining = std::make_shared<int>(2);
  auto finished = [remaining, done = std::move(done)] {
    if (--*remaining == 0 && done) done();
  };
  poll_.close(finished);
  beforeBlocking_.close(finished);
  fd_.reset();
  linkUp_ = false;
  count_ = 0;
}

}  // namespace nefia::forwarder
