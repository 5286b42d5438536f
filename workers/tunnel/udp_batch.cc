// recvmmsg/sendmmsg batching with UDP GSO for runs of equal-sized datagrams. The buffers are allocated once per
// sender/receiver, so the per-packet path only copies into a slot. Must retry partial sendmmsg results, never spin
// on EAGAIN, and fall back to one datagram per message (with one warning) if the kernel refuses GSO; a GSO message
// whose datagrams exceed the route's MTU (EMSGSIZE) is sent again one datagram per message, never dropped.
#include "workers/tunnel/udp_batch.h"

#include <errno.h>
#include <netinet/udp.h>

#include <algorithm>
#include <cstring>

#include "common/log.h"

namespace nefia::wg {

namespace {

constexpr const char* kComponent = "tunnel";
constexpr std::size_t kControlWords = (CMSG_SPACE(sizeof(uint16_t)) + sizeof(uint64_t) - 1) / sizeof(uint64_t);

// The errors that say "this socket or route cannot do UDP GSO" rather than "this datagram could not go now".
bool isGsoRefusal(int error) { return error == EIO || error == EINVAL || error == EOPNOTSUPP || error == ENOPROTOOPT; }

}  // namespace

UdpBatchSender::UdpBatchSender(int fd, std::size_t batchSize, Segmentation segmentation)
    : fd_(fd),
      batchSize_(batchSize),
      segmentation_(segmentation),
      storage_(batchSize * kBatchSlotSize),
      destinations_(batchSize),
      vectors_(batchSize),
      messages_(batchSize),
      headers_(batchSize),
      control_(batchSize * kControlWords) {}

void UdpBatchSender::sendDatagram(const UdpEndpoint& to, std::span<const uint8_t> datagram) {
  if (datagram.size() > kBatchSlotSize) {
    if (::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&to.address),
                 to.length) < 0) {
      ++dropped_;
    }
    return;
  }
  if (queued_ == batchSize_) flush();
  uint8_t* slot = storage_.data() + queued_ * kBatchSlotSize;
  std::memcpy(slot, datagram.data(), datagram.size());
  destinations_[queued_] = to;
  vectors_[queued_] = iovec{slot, datagram.size()};
  ++queued_;
}

// How many datagrams from `first` can share one GSO message: same destination, all as long as the first except
// possibly a shorter last one, within the kernel's segment and byte limits.
std::size_t UdpBatchSender::runLength(std::size_t first) const {
  if (segmentation_ != Segmentation::kGso || first < splitUntil_) return 1;
  const std::size_t size = vectors_[first].iov_len;
  const std::size_t limit = std::min(kMaxGsoSegments, size == 0 ? 1 : std::max<std::size_t>(1, kMaxGsoBytes / size));
  std::size_t count = 1;
  while (first + count < queued_ && count < limit) {
    const std::size_t next = first + count;
    if (!(destinations_[next] == destinations_[first]) || vectors_[next].iov_len > size ||
        vectors_[next].iov_len == 0) {
      break;
    }
    ++count;
    if (vectors_[next].iov_len < size) break;  // a shorter datagram can only end a GSO message
  }
  return count;
}

// Lays out messages_ and headers_ for the datagrams from `fromDatagram` on; returns how many messages it laid out.
std::size_t UdpBatchSender::buildMessages(std::size_t fromDatagram) {
  std::size_t message = 0;
  for (std::size_t first = fromDatagram; first < queued_; ++message) {
    const std::size_t count = runLength(first);
    messages_[message] = Message{first, count, count > 1};
    mmsghdr& header = headers_[message];
    header = mmsghdr{};
    header.msg_hdr.msg_name = &destinations_[first].address;
    header.msg_hdr.msg_namelen = destinations_[first].length;
    header.msg_hdr.msg_iov = &vectors_[first];
    header.msg_hdr.msg_iovlen = count;
    if (count > 1) {
      uint64_t* control = control_.data() + message * kControlWords;
      std::memset(control, 0, kControlWords * sizeof(uint64_t));
      header.msg_hdr.msg_control = control;
      header.msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
      cmsghdr* segment = CMSG_FIRSTHDR(&header.msg_hdr);
      segment->cmsg_level = SOL_UDP;
      segment->cmsg_type = UDP_SEGMENT;
      segment->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto segmentSize = static_cast<uint16_t>(vectors_[first].iov_len);
      std::memcpy(CMSG_DATA(segment), &segmentSize, sizeof segmentSize);
    }
    first += count;
  }
  return message;
}

void UdpBatchSender::disableGso(int error) {
  segmentation_ = Segmentation::kNone;
  logWarn(kComponent, "the kernel refused a UDP GSO send (", std::strerror(error),
          "); sending every datagram on its own from now on (more CPU per packet)");
}

void UdpBatchSender::noteOversizedGso(std::size_t segmentSize) {
  ++oversizedGsoMessages_;
  if (oversizedGsoMessages_ > 1) return;
  logWarn(kComponent, "a UDP GSO message of ", segmentSize,
          "-byte datagrams was refused as larger than the route's MTU (EMSGSIZE); its datagrams went one by one "
          "(the kernel fragments them): the outer path's MTU is below the tunnel's MTU + WireGuard's overhead");
}

void UdpBatchSender::flush() {
  std::size_t messageCount = buildMessages(0);
  std::size_t sent = 0;
  while (sent < messageCount) {
    const int result = ::sendmmsg(fd_, headers_.data() + sent, static_cast<unsigned>(messageCount - sent), 0);
    if (result > 0) {
      for (std::size_t i = sent; i < sent + static_cast<std::size_t>(result); ++i) {
        if (messages_[i].segmented) ++gsoMessages_;
      }
      sent += static_cast<std::size_t>(result);
      continue;
    }
    const int error = result < 0 ? errno : EIO;
    if (error == EINTR) continue;
    const Message& refused = messages_[sent];
    if (refused.segmented && error == EMSGSIZE) {
      // Only this message's datagrams are too large for one GSO message on this route: resend them unsegmented.
      noteOversizedGso(vectors_[refused.first].iov_len);
      splitUntil_ = refused.first + refused.count;
      messageCount = buildMessages(refused.first);
      sent = 0;
      continue;
    }
    if (refused.segmented && isGsoRefusal(error)) {
      // Send the rest again, one datagram per message.
      disableGso(error);
      messageCount = buildMessages(refused.first);
      sent = 0;
      continue;
    }
    // The first message of the rest was refused (full buffer, unreachable destination): drop it, go on.
    dropped_ += refused.count;
    ++sent;
  }
  queued_ = 0;
  splitUntil_ = 0;
}

UdpBatchReceiver::UdpBatchReceiver(int fd, std::size_t batchSize)
    : fd_(fd), storage_(batchSize * kBatchSlotSize), sources_(batchSize), vectors_(batchSize), headers_(batchSize) {}

std::size_t UdpBatchReceiver::receiveBatch(const Handler& handler) {
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    vectors_[i] = iovec{storage_.data() + i * kBatchSlotSize, kBatchSlotSize};
    headers_[i] = mmsghdr{};
    headers_[i].msg_hdr.msg_name = &sources_[i];
    headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    headers_[i].msg_hdr.msg_iov = &vectors_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
  int count = -1;
  do {
    count = ::recvmmsg(fd_, headers_.data(), static_cast<unsigned>(headers_.size()), MSG_DONTWAIT, nullptr);
  } while (count < 0 && errno == EINTR);
  if (count <= 0) return 0;
  for (int i = 0; i < count; ++i) {
    const msghdr& message = headers_[i].msg_hdr;
    if (message.msg_flags & MSG_TRUNC) {
      ++truncated_;
      continue;
    }
    handler(UdpEndpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&sources_[i]), message.msg_namelen),
            std::span<uint8_t>(storage_.data() + static_cast<std::size_t>(i) * kBatchSlotSize, headers_[i].msg_len));
  }
  return static_cast<std::size_t>(count);
}

}  // namespace nefia::wg
