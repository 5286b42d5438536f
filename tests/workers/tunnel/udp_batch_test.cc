// Batched UDP I/O over real sockets on 127.0.0.1 only: a batch of datagrams sent with sendmmsg arrives intact
// and in order through recvmmsg, with the right source address. Milliseconds; no traffic leaves loopback.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "workers/tunnel/udp_batch.h"

namespace nefia::wg {
namespace {

class LoopbackSocket {
 public:
  LoopbackSocket() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    endpoint_ = UdpEndpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&address), length);
  }
  ~LoopbackSocket() { ::close(fd_); }
  int fd() const { return fd_; }
  const UdpEndpoint& endpoint() const { return endpoint_; }

 private:
  int fd_ = -1;
  UdpEndpoint endpoint_;
};

TEST(UdpBatchTest, BatchArrivesIntactInOrderWithSource) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  UdpBatchSender batchSender(sender.fd(), 8);
  constexpr int kCount = 20;  // more than one batch: the sender flushes by itself when a batch is full
  for (int i = 0; i < kCount; ++i) {
    std::vector<uint8_t> datagram(100 + i, static_cast<uint8_t>(i));
    batchSender.sendDatagram(receiver.endpoint(), datagram);
  }
  batchSender.flush();
  EXPECT_EQ(batchSender.droppedDatagrams(), 0u);

  UdpBatchReceiver batchReceiver(receiver.fd(), 16);
  std::vector<std::vector<uint8_t>> received;
  for (int attempt = 0; attempt < 100 && received.size() < kCount; ++attempt) {
    batchReceiver.receiveBatch([&](const UdpEndpoint& from, std::span<uint8_t> datagram) {
      EXPECT_TRUE(from == sender.endpoint());
      received.emplace_back(datagram.begin(), datagram.end());
    });
  }
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(received[i].size(), static_cast<std::size_t>(100 + i));
    EXPECT_EQ(received[i].front(), static_cast<uint8_t>(i));
  }
  EXPECT_EQ(batchReceiver.receiveBatch([](const UdpEndpoint&, std::span<uint8_t>) {}), 0u);  // nothing left
}

TEST(UdpBatchTest, OversizedDatagramIsSentAloneAndTruncatedOneIsDropped) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  UdpBatchSender batchSender(sender.fd(), 4);
  std::vector<uint8_t> big(kBatchSlotSize + 100, 7);
  batchSender.sendDatagram(receiver.endpoint(), big);  // bypasses the batch
  std::vector<uint8_t> small(10, 1);
  batchSender.sendDatagram(receiver.endpoint(), small);
  batchSender.flush();

  UdpBatchReceiver batchReceiver(receiver.fd(), 4);
  std::vector<std::size_t> sizes;
  for (int attempt = 0; attempt < 100 && sizes.size() + batchReceiver.truncatedDatagrams() < 2; ++attempt) {
    batchReceiver.receiveBatch([&](const UdpEndpoint&, std::span<uint8_t> datagram) { sizes.push_back(datagram.size()); });
  }
  EXPECT_EQ(batchReceiver.truncatedDatagrams(), 1u);
  ASSERT_EQ(sizes.size(), 1u);
  EXPECT_EQ(sizes[0], 10u);
}

}  // namespace
}  // namespace nefia::wg
