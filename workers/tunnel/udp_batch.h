// Batched UDP I/O for the tunnel worker on the socket the supervisor bound and handed over: recvmmsg into a fixed
// set of buffers, and a DatagramSender that queues datagrams and sends each batch with sendmmsg on flush(), runs of
// equal-sized datagrams to one peer as one UDP GSO message each (UDP_SEGMENT: the kernel's per-datagram work once).
// Never creates, binds or closes a socket (the sandbox forbids it); never blocks (the socket is non-blocking).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "workers/tunnel/device_io.h"

namespace nefia::wg {

// Room for one datagram in a batch: a 1420-byte netstack MTU needs 1452 bytes on the wire; larger datagrams are
// sent on their own (sendto) and received ones are dropped as truncated.
inline constexpr std::size_t kBatchSlotSize = 4096;
inline constexpr std::size_t kDefaultBatchSize = 64;
// One GSO message carries at most this many datagrams (the kernel's UDP_MAX_SEGMENTS on older kernels is 64) and
// at most this many bytes (a GSO message must fit one maximal IP datagram's payload).
inline constexpr std::size_t kMaxGsoSegments = 64;
inline constexpr std::size_t kMaxGsoBytes = 65000;

enum class Segmentation { kGso, kNone };

class UdpBatchSender final : public DatagramSender {
 public:
  explicit UdpBatchSender(int fd, std::size_t batchSize = kDefaultBatchSize,
                          Segmentation segmentation = Segmentation::kGso);
  void sendDatagram(const UdpEndpoint& to, std::span<const uint8_t> datagram) override;  // queues (flushes when full)
  void flush() override;                                                                 // one sendmmsg per batch
  uint64_t droppedDatagrams() const { return dropped_; }  // kernel refused them (buffer full, unreachable)
  uint64_t gsoMessages() const { return gsoMessages_; }   // messages that carried more than one datagram
  // GSO messages the kernel refused with EMSGSIZE (datagrams above the route's MTU) and that went unsegmented.
  uint64_t oversizedGsoMessages() const { return oversizedGsoMessages_; }
  // False once the kernel refused a GSO message (no UDP_SEGMENT, or the route's device cannot offload the
  // checksum): from then on every datagram is its own message, and one warning says so.
  bool usesGso() const { return segmentation_ == Segmentation::kGso; }

 private:
  struct Message {
    std::size_t first;     // index of its first datagram
    std::size_t count;     // datagrams it carries
    bool segmented;        // carries a UDP_SEGMENT control message
  };
  std::size_t buildMessages(std::size_t fromDatagram);
  std::size_t runLength(std::size_t first) const;
  void disableGso(int error);
  void noteOversizedGso(std::size_t segmentSize);

  int fd_;
  std::size_t batchSize_;
  Segmentation segmentation_;
  std::size_t queued_ = 0;
  std::vector<uint8_t> storage_;
  std::vector<UdpEndpoint> destinations_;
  std::vector<iovec> vectors_;
  std::vector<Message> messages_;
  std::vector<mmsghdr> headers_;
  std::vector<uint64_t> control_;  // one aligned CMSG_SPACE(uint16_t) buffer per message
  uint64_t dropped_ = 0;
  uint64_t gsoMessages_ = 0;
  uint64_t oversizedGsoMessages_ = 0;
  std::size_t splitUntil_ = 0;  // datagrams before this index go one per message (after an EMSGSIZE refusal)
};

class UdpBatchReceiver {
 public:
  using Handler = std::function<void(const UdpEndpoint& from, std::span<uint8_t> datagram)>;

  explicit UdpBatchReceiver(int fd, std::size_t batchSize = kDefaultBatchSize);
  // Reads one batch (at most batchSize datagrams) without blocking and passes each to handler; returns how many
  // were read (0 when none was waiting). The spans are valid only during the handler call.
  std::size_t receiveBatch(const Handler& handler);
  uint64_t truncatedDatagrams() const { return truncated_; }

 private:
  int fd_;
  std::vector<uint8_t> storage_;
  std::vector<sockaddr_storage> sources_;
  std::vector<iovec> vectors_;
  std::vector<mmsghdr> headers_;
  uint64_t truncated_ = 0;
};

}  // namespace nefia::wg
