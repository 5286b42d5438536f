// recvmmsg/sendmmsg batching. The buffers are allocated once per sender/receiver, so the per-packet path only
// copies into a slot. Must retry partial sendmmsg results and never spin on EAGAIN.
#include "workers/tunnel/udp_batch.h"

#include <errno.h>

#include <cstring>

namespace nefia::wg {

UdpBatchSender::UdpBatchSender(int fd, std::size_t batchSize)
    : fd_(fd),
      batchSize_(batchSize),
      storage_(batchSize * kBatchSlotSize),
      destinations_(batchSize),
      vectors_(batchSize),
      headers_(batchSize) {}

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
  mmsghdr& header = headers_[queued_];
  header = mmsghdr{};
  header.msg_hdr.msg_name = &destinations_[queued_].address;
  header.msg_hdr.msg_namelen = destinations_[queued_].length;
  header.msg_hdr.msg_iov = &vectors_[queued_];
  header.msg_hdr.msg_iovlen = 1;
  ++queued_;
}

void UdpBatchSender::flush() {
  std::size_t sent = 0;
  while (sent < queued_) {
    const int result = ::sendmmsg(fd_, headers_.data() + sent, static_cast<unsigned>(queued_ - sent), 0);
    if (result > 0) {
      sent += static_cast<std::size_t>(result);
      continue;
    }
    if (result < 0 && errno == EINTR) continue;
    // The first datagram of the rest was refused (full buffer, unreachable destination): drop it, go on.
    ++dropped_;
    ++sent;
  }
  queued_ = 0;
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
