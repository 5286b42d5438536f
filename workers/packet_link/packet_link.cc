// PacketLink: batched, bundled packet I/O on the tunnel worker's SOCK_SEQPACKET socket.
// Never blocks (MSG_DONTWAIT everywhere) and never holds more than kMaxQueuedOutboundPackets packets.
#include "workers/packet_link/packet_link.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/log.h"
#include "workers/packet_link/packet_bundle.h"

namespace nefia::forwarder {
namespace {

constexpr const char* kComponent = "forwarder";
// Receive batches handled per readiness event before yielding to the rest of the loop.
constexpr int kMaxBatchesPerWakeup = 8;
// A larger send buffer lets a burst of lwIP output wait in the kernel instead of our ring.
constexpr int kSendBufferBytes = 1024 * 1024;
// Messages (bundles) read per recvmmsg, and sent per sendmmsg.
constexpr std::size_t kInboundMessages = 16;
constexpr std::size_t kOutboundMessages = 16;

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
      slotBytes_(std::min(maxPacketBytes, kMaxBundledPacketBytes)),
      inboundMessageBytes_(std::max(slotBytes_, kMaxBundleBytes)),
      inbound_(std::make_unique_for_overwrite<uint8_t[]>(kInboundMessages * inboundMessageBytes_)),
      inboundIov_(kInboundMessages),
      inboundMessages_(kInboundMessages),
      slotStride_(kBundleLengthBytes + slotBytes_),
      outbound_(std::make_unique_for_overwrite<uint8_t[]>(kMaxQueuedOutboundPackets * slotStride_)),
      outboundLength_(kMaxQueuedOutboundPackets) {
  for (std::size_t i = 0; i < kInboundMessages; ++i) {
    inboundIov_[i] = iovec{inbound_.get() + i * inboundMessageBytes_, inboundMessageBytes_};
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
  poll_ = UvHandle<uv_poll_t>();
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
    const int received = ::recvmmsg(fd_.get(), inboundMessages_.data(), kInboundMessages, MSG_DONTWAIT, nullptr);
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
      const std::span<const uint8_t> bytes(static_cast<const uint8_t*>(inboundIov_[i].iov_base), message.msg_len);
      const std::size_t unusable = forEachPacket(bytes, slotBytes_, [this](std::span<const uint8_t> packet) {
        ++stats_.packetsIn;
        onPacket_(packet);
        return linkUp_;  // the handler may have replaced or closed the link
      });
      if (unusable > 0) ++stats_.droppedInbound;
      if (!linkUp_) return;
    }
    if (static_cast<std::size_t>(received) < kInboundMessages) return;
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
  uint8_t* destination = outbound_.get() + slot * slotStride_;
  writeBundleLength(destination, total);
  destination += kBundleLengthBytes;
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
  mmsghdr messages[kOutboundMessages];
  std::size_t packetsIn[kOutboundMessages];
  iovec iov[kOutboundMessages][kMaxBundlePackets];
  while (count_ > 0 && linkUp_) {
    // Lay out up to kOutboundMessages messages: consecutive packets bundled up to kMaxBundleBytes; a message
    // that ends up with one packet goes bare (no length prefix).
    std::size_t messageCount = 0;
    std::size_t packet = 0;
    while (packet < count_ && messageCount < kOutboundMessages) {
      std::size_t inMessage = 0;
      std::size_t bytes = 0;
      while (packet + inMessage < count_ && inMessage < kMaxBundlePackets) {
        const std::size_t slot = (head_ + packet + inMessage) % kMaxQueuedOutboundPackets;
        const std::size_t entry = kBundleLengthBytes + outboundLength_[slot];
        if (inMessage > 0 && bytes + entry > kMaxBundleBytes) break;
        iov[messageCount][inMessage] = iovec{outbound_.get() + slot * slotStride_, entry};
        bytes += entry;
        ++inMessage;
      }
      if (inMessage == 1) {
        iovec& only = iov[messageCount][0];
        only.iov_base = static_cast<uint8_t*>(only.iov_base) + kBundleLengthBytes;
        only.iov_len -= kBundleLengthBytes;
      }
      std::memset(&messages[messageCount], 0, sizeof(mmsghdr));
      messages[messageCount].msg_hdr.msg_iov = iov[messageCount];
      messages[messageCount].msg_hdr.msg_iovlen = inMessage;
      packetsIn[messageCount] = inMessage;
      ++messageCount;
      packet += inMessage;
    }
    const int sent = ::sendmmsg(fd_.get(), messages, static_cast<unsigned>(messageCount), MSG_DONTWAIT | MSG_NOSIGNAL);
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
    std::size_t packetsSent = 0;
    for (int i = 0; i < sent; ++i) packetsSent += packetsIn[i];
    head_ = (head_ + packetsSent) % kMaxQueuedOutboundPackets;
    count_ -= packetsSent;
    stats_.packetsOut += packetsSent;
    if (static_cast<std::size_t>(sent) < messageCount) {
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
