// Batched UDP I/O for the tunnel worker on the socket the supervisor bound and handed over: recvmmsg into a fixed
// set of buffers, and a DatagramSender that queues datagrams and sends each batch with sendmmsg on flush().
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

class UdpBatchSender final : public DatagramSender {
 public:
  explicit UdpBatchSender(int fd, std::size_t batchSize = kDefaultBatchSize);
  void sendDatagram(const UdpEndpoint& to, std::span<const uint8_t> datagram) override;  // queues (flushes when full)
  void flush() override;                                                                 // one sendmmsg per batch
  uint64_t droppedDatagrams() const { return dropped_; }  // kernel refused them (buffer full, unreachable)

 private:
  int fd_;
  std::size_t batchSize_;
  std::size_t queued_ = 0;
  std::vector<uint8_t> storage_;
  std::vector<UdpEndpoint> destinations_;
  std::vector<iovec> vectors_;
  std::vector<mmsghdr> headers_;
  uint64_t dropped_ = 0;
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
