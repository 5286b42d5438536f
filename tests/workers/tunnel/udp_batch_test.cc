// Batched UDP I/O over real sockets on 127.0.0.1 only: a batch of datagrams sent with sendmmsg (runs of equal sizes
// as UDP GSO messages) arrives intact and in order through recvmmsg, with the right source address; a kernel refusal
// of GSO falls back to one datagram per message with one warning. Milliseconds; no traffic leaves loopback.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "common/log.h"
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

std::vector<uint8_t> numberedDatagram(std::size_t size, int number) {
  std::vector<uint8_t> datagram(size, static_cast<uint8_t>(number));
  if (size >= 2) {
    datagram[0] = static_cast<uint8_t>(number >> 8);
    datagram[size - 1] = static_cast<uint8_t>(size & 0xff);
  }
  return datagram;
}

std::vector<std::vector<uint8_t>> receiveAll(LoopbackSocket& receiver, std::size_t expected) {
  UdpBatchReceiver batchReceiver(receiver.fd(), 64);
  std::vector<std::vector<uint8_t>> received;
  for (int attempt = 0; attempt < 1000 && received.size() < expected; ++attempt) {
    batchReceiver.receiveBatch([&](const UdpEndpoint&, std::span<uint8_t> datagram) {
      received.emplace_back(datagram.begin(), datagram.end());
    });
  }
  return received;
}

// The tunnel's common case: full-sized datagrams to one peer, a shorter one, then others.
std::vector<std::vector<uint8_t>> wireguardLikeBatch() {
  std::vector<std::vector<uint8_t>> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(numberedDatagram(1452, i));
  batch.push_back(numberedDatagram(700, 50));
  for (int i = 51; i < 60; ++i) batch.push_back(numberedDatagram(i % 3 == 0 ? 92 : 1452, i));
  return batch;
}

TEST(UdpBatchTest, EqualSizedRunsGoAsGsoMessagesAndArriveAsSeparateDatagramsInOrder) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  UdpBatchSender batchSender(sender.fd(), 64);
  const auto batch = wireguardLikeBatch();
  for (const auto& datagram : batch) batchSender.sendDatagram(receiver.endpoint(), datagram);
  batchSender.flush();
  EXPECT_EQ(batchSender.droppedDatagrams(), 0u);
  EXPECT_TRUE(batchSender.usesGso());
  // 50 x 1452 bytes exceed one message's 65000 bytes: the first run needs two messages, then more follow.
  EXPECT_GE(batchSender.gsoMessages(), 3u);
  EXPECT_EQ(receiveAll(receiver, batch.size()), batch);
}

TEST(UdpBatchTest, RunsSplitWhereTheDestinationChanges) {
  LoopbackSocket sender;
  LoopbackSocket first;
  LoopbackSocket second;
  UdpBatchSender batchSender(sender.fd(), 64);
  std::vector<std::vector<uint8_t>> toFirst, toSecond;
  for (int i = 0; i < 40; ++i) {
    auto datagram = numberedDatagram(1200, i);
    const bool odd = (i / 5) % 2 == 1;  // alternate in runs of five
    batchSender.sendDatagram(odd ? second.endpoint() : first.endpoint(), datagram);
    (odd ? toSecond : toFirst).push_back(std::move(datagram));
  }
  batchSender.flush();
  EXPECT_EQ(batchSender.gsoMessages(), 8u);
  EXPECT_EQ(receiveAll(first, toFirst.size()), toFirst);
  EXPECT_EQ(receiveAll(second, toSecond.size()), toSecond);
}

class RecordingSink : public LogSink {
 public:
  void write(const LogRecord&, std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

TEST(UdpBatchTest, RefusedGsoFallsBackToSingleDatagramsWithOneWarningAndLosesNothing) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  // The kernel refuses UDP GSO on a socket that does not checksum (EINVAL): the same answer a route without
  // checksum offload gives (EIO).
  const int noCheck = 1;
  ASSERT_EQ(::setsockopt(sender.fd(), SOL_SOCKET, SO_NO_CHECK, &noCheck, sizeof noCheck), 0);
  auto sink = std::make_shared<RecordingSink>();
  Logger::instance().addSink(sink);
  UdpBatchSender batchSender(sender.fd(), 64);
  const auto batch = wireguardLikeBatch();
  for (int round = 0; round < 2; ++round) {
    for (const auto& datagram : batch) batchSender.sendDatagram(receiver.endpoint(), datagram);
    batchSender.flush();
    EXPECT_EQ(receiveAll(receiver, batch.size()), batch) << "round " << round;
  }
  Logger::instance().clearSinks();
  EXPECT_FALSE(batchSender.usesGso());
  EXPECT_EQ(batchSender.gsoMessages(), 0u);
  EXPECT_EQ(batchSender.droppedDatagrams(), 0u);
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_NE(sink->lines[0].find("the kernel refused a UDP GSO send (Invalid argument); sending every datagram on "
                                "its own from now on"),
            std::string::npos)
      << sink->lines[0];
}

// A socket on ::1 whose MTU is IPv6's minimum (1280): a GSO message of 1452-byte datagrams exceeds it, the
// case of an outer path narrower than the tunnel's MTU + WireGuard's overhead.
class NarrowIpv6LoopbackSocket {
 public:
  NarrowIpv6LoopbackSocket() {
    fd_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_loopback;
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    endpoint_ = UdpEndpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&address), length);
    const int mtu = 1280;
    EXPECT_EQ(::setsockopt(fd_, IPPROTO_IPV6, IPV6_MTU, &mtu, sizeof mtu), 0);
  }
  ~NarrowIpv6LoopbackSocket() { ::close(fd_); }
  int fd() const { return fd_; }
  const UdpEndpoint& endpoint() const { return endpoint_; }

 private:
  int fd_ = -1;
  UdpEndpoint endpoint_;
};

std::vector<std::vector<uint8_t>> receiveAll(NarrowIpv6LoopbackSocket& receiver, std::size_t expected) {
  UdpBatchReceiver batchReceiver(receiver.fd(), 64);
  std::vector<std::vector<uint8_t>> received;
  for (int attempt = 0; attempt < 1000 && received.size() < expected; ++attempt) {
    batchReceiver.receiveBatch([&](const UdpEndpoint&, std::span<uint8_t> datagram) {
      received.emplace_back(datagram.begin(), datagram.end());
    });
  }
  return received;
}

TEST(UdpBatchTest, GsoMessageAboveTheRouteMtuIsResentUnsegmentedNotDropped) {
  NarrowIpv6LoopbackSocket sender;
  NarrowIpv6LoopbackSocket receiver;
  auto sink = std::make_shared<RecordingSink>();
  Logger::instance().addSink(sink);
  UdpBatchSender batchSender(sender.fd(), 64);
  const auto batch = wireguardLikeBatch();
  for (int round = 0; round < 2; ++round) {
    for (const auto& datagram : batch) batchSender.sendDatagram(receiver.endpoint(), datagram);
    batchSender.flush();
    EXPECT_EQ(receiveAll(receiver, batch.size()), batch) << "round " << round;
  }
  Logger::instance().clearSinks();
  EXPECT_EQ(batchSender.droppedDatagrams(), 0u);
  // This kernel answers EMSGSIZE (older ones EINVAL, which turns GSO off with the warning tested above).
  ASSERT_GE(batchSender.oversizedGsoMessages(), 2u);
  EXPECT_TRUE(batchSender.usesGso());  // only the refused messages went unsegmented
  ASSERT_EQ(sink->lines.size(), 1u);   // one warning, not one per message
  EXPECT_NE(sink->lines[0].find("a UDP GSO message of 1452-byte datagrams was refused as larger than the route's MTU"),
            std::string::npos)
      << sink->lines[0];
}

TEST(UdpBatchTest, WithoutGsoEveryDatagramIsItsOwnMessage) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  UdpBatchSender batchSender(sender.fd(), 64, Segmentation::kNone);
  const auto batch = wireguardLikeBatch();
  for (const auto& datagram : batch) batchSender.sendDatagram(receiver.endpoint(), datagram);
  batchSender.flush();
  EXPECT_EQ(batchSender.gsoMessages(), 0u);
  EXPECT_EQ(receiveAll(receiver, batch.size()), batch);
}

}  // namespace
}  // namespace nefia::wg
