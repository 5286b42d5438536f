// Unit tests for PacketLink over a real SOCK_SEQPACKET socketpair: batching and bundling keep packet boundaries
// and order, malformed bundles are dropped, the outbound queue is bounded, a closed peer is noticed, and
// replaceFd resumes on a new socket.
#include "workers/packet_link/packet_link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "workers/packet_link/packet_bundle.h"

namespace nefia::forwarder {
namespace {

constexpr uint16_t kTestMtu = 1420;  // the forwarder's default MTU

// A stand-in for an IP packet: PacketLink only needs the version nibble (4) in the first byte.
std::vector<uint8_t> fakePacket(std::size_t size, uint8_t fill) {
  std::vector<uint8_t> packet(size, fill);
  packet[0] = 0x45;
  return packet;
}

std::vector<uint8_t> bundle(const std::vector<std::vector<uint8_t>>& packets) {
  std::vector<uint8_t> message;
  for (const auto& packet : packets) {
    uint8_t length[kBundleLengthBytes];
    writeBundleLength(length, packet.size());
    message.insert(message.end(), length, length + kBundleLengthBytes);
    message.insert(message.end(), packet.begin(), packet.end());
  }
  return message;
}

// Every packet in the messages waiting on fd, unbundled.
std::vector<std::vector<uint8_t>> receivePackets(int fd, std::size_t* messages = nullptr) {
  std::vector<std::vector<uint8_t>> packets;
  std::vector<uint8_t> buffer(kMaxBundleBytes);
  ssize_t length;
  while ((length = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT)) > 0) {
    if (messages != nullptr) ++*messages;
    const std::size_t unusable = forEachPacket(std::span<const uint8_t>(buffer.data(), static_cast<std::size_t>(length)),
                                               kTestMtu, [&](std::span<const uint8_t> packet) {
                                                 packets.emplace_back(packet.begin(), packet.end());
                                                 return true;
                                               });
    EXPECT_EQ(unusable, 0u);
  }
  return packets;
}

std::pair<int, int> seqpacketPair() {
  int pair[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  return {pair[0], pair[1]};
}

class PacketLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    auto [peer, ours] = seqpacketPair();
    peer_ = peer;
    link_ = std::make_unique<PacketLink>(&loop_, ours, kTestMtu);
    link_->start([this](std::span<const uint8_t> packet) { received_.emplace_back(packet.begin(), packet.end()); });
  }
  void TearDown() override {
    bool closed = false;
    link_->close([&] { closed = true; });
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_TRUE(closed);
    link_.reset();
    if (peer_ >= 0) ::close(peer_);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  void spin(int rounds = 5) {
    for (int i = 0; i < rounds; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  }
  bool sendPacket(const std::vector<uint8_t>& packet) {
    const iovec piece{const_cast<uint8_t*>(packet.data()), packet.size()};
    return link_->send(std::span<const iovec>(&piece, 1));
  }

  uv_loop_t loop_{};
  int peer_ = -1;
  std::unique_ptr<PacketLink> link_;
  std::vector<std::vector<uint8_t>> received_;
};

TEST_F(PacketLinkTest, DeliversEveryPacketWholeAndInOrder) {
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> packet = fakePacket(20 + i, static_cast<uint8_t>(i));
    ASSERT_EQ(::send(peer_, packet.data(), packet.size(), 0), static_cast<ssize_t>(packet.size()));
    // The socket buffer holds about a hundred small packets; let the link read in between.
    if (i % 50 == 49) spin(2);
  }
  spin(20);
  ASSERT_EQ(received_.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(received_[i].size(), 20u + i);
    EXPECT_EQ(received_[i].back(), static_cast<uint8_t>(i));
  }
  EXPECT_EQ(link_->stats().packetsIn, 300u);
}

TEST_F(PacketLinkTest, BundledPacketsArriveOneByOneAndInOrder) {
  const std::vector<std::vector<uint8_t>> packets = {fakePacket(40, 1), fakePacket(kTestMtu, 2),
                                                     std::vector<uint8_t>{0x60, 3}, fakePacket(1, 4)};
  const auto message = bundle(packets);
  ASSERT_EQ(::send(peer_, message.data(), message.size(), 0), static_cast<ssize_t>(message.size()));
  spin();
  EXPECT_EQ(received_, packets);
  EXPECT_EQ(link_->stats().packetsIn, 4u);
  EXPECT_EQ(link_->stats().droppedInbound, 0u);
}

TEST_F(PacketLinkTest, MalformedBundleDeliversWhatCameBeforeTheBadEntryAndCountsTheMessage) {
  const auto good = fakePacket(100, 7);
  const std::vector<std::vector<uint8_t>> cases = {
      {0x00, 0x00, 0x45},                  // an empty entry
      {0x05, 0x8d},                        // longer than the MTU (1421)
      {0x00, 0x10, 0x45, 0x00},            // longer than what is left
      {0x00},                              // half a length
  };
  for (const auto& bad : cases) {
    auto message = bundle({good});
    message.insert(message.end(), bad.begin(), bad.end());
    ASSERT_EQ(::send(peer_, message.data(), message.size(), 0), static_cast<ssize_t>(message.size()));
  }
  spin();
  ASSERT_EQ(received_.size(), cases.size());
  for (const auto& packet : received_) EXPECT_EQ(packet, good);
  EXPECT_EQ(link_->stats().droppedInbound, cases.size());
}

TEST_F(PacketLinkTest, QueuedPacketsLeaveAsBundlesOfAtMostTheBundleSize) {
  std::vector<std::vector<uint8_t>> sent;
  for (int i = 0; i < 40; ++i) {
    sent.push_back(fakePacket(1000 + i, static_cast<uint8_t>(i)));
    ASSERT_TRUE(sendPacket(sent.back()));
  }
  spin(1);
  std::size_t messages = 0;
  EXPECT_EQ(receivePackets(peer_, &messages), sent);
  // 16 KiB bundles hold 16 packets of about 1 KB: 40 packets need 3 messages, not 40.
  EXPECT_EQ(messages, 3u);
  EXPECT_EQ(link_->stats().packetsOut, 40u);
}

TEST_F(PacketLinkTest, OversizedInboundPacketIsDroppedNotTruncated) {
  std::vector<uint8_t> huge = fakePacket(kTestMtu + 100, 1);
  std::vector<uint8_t> normal = fakePacket(100, 2);
  ::send(peer_, huge.data(), huge.size(), 0);
  ::send(peer_, normal.data(), normal.size(), 0);
  spin();
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0], normal);
  EXPECT_EQ(link_->stats().droppedInbound, 1u);
}

TEST_F(PacketLinkTest, QueuedPacketsLeaveBeforeTheLoopBlocksAssembledFromPieces) {
  std::vector<uint8_t> header{1, 2, 3}, body{4, 5, 6, 7};
  header[0] = 0x45;
  const iovec pieces[2] = {{header.data(), header.size()}, {body.data(), body.size()}};
  ASSERT_TRUE(link_->send(std::span<const iovec>(pieces, 2)));
  spin(1);
  uint8_t buffer[64];
  const ssize_t length = ::recv(peer_, buffer, sizeof buffer, MSG_DONTWAIT);
  ASSERT_EQ(length, 7);
  EXPECT_EQ(std::vector<uint8_t>(buffer, buffer + 7), (std::vector<uint8_t>{0x45, 2, 3, 4, 5, 6, 7}))
      << "a lone packet goes bare, without a bundle's length prefix";
}

TEST_F(PacketLinkTest, OutboundQueueIsBoundedWhenThePeerStopsReading) {
  int tiny = 4096;
  ::setsockopt(peer_, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
  std::size_t accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    if (sendPacket(fakePacket(1000, 9))) ++accepted;
  }
  spin();
  EXPECT_GT(link_->stats().droppedOutbound, 0u) << "a peer that never reads must not make us buffer without bound";
  EXPECT_LE(accepted - link_->stats().packetsOut, kMaxQueuedOutboundPackets);
  // Reading on the peer lets the queue drain.
  std::size_t drained = 0;
  for (int round = 0; round < 200; ++round) {
    drained += receivePackets(peer_).size();
    spin(1);
  }
  EXPECT_EQ(drained, link_->stats().packetsOut);
  EXPECT_EQ(link_->stats().packetsOut + link_->stats().droppedOutbound, 5000u);
}

TEST_F(PacketLinkTest, PeerCloseMarksTheLinkDownAndReplaceFdResumes) {
  ::close(peer_);
  peer_ = -1;
  spin();
  EXPECT_FALSE(link_->linkUp());
  EXPECT_FALSE(sendPacket(std::vector<uint8_t>(40, 1)));

  auto [peer, ours] = seqpacketPair();
  peer_ = peer;
  link_->replaceFd(ours);
  EXPECT_TRUE(link_->linkUp());
  std::vector<uint8_t> packet = fakePacket(60, 3);
  ::send(peer_, packet.data(), packet.size(), 0);
  ASSERT_TRUE(sendPacket(fakePacket(50, 4)));
  spin();
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0], packet);
  uint8_t buffer[128];
  EXPECT_EQ(::recv(peer_, buffer, sizeof buffer, MSG_DONTWAIT), 50);
}

TEST_F(PacketLinkTest, ReplaceFdClosesTheOldSocket) {
  auto [peer, ours] = seqpacketPair();
  const int oldPeer = peer_;
  peer_ = peer;
  link_->replaceFd(ours);
  uint8_t buffer[16];
  EXPECT_EQ(::recv(oldPeer, buffer, sizeof buffer, MSG_DONTWAIT), 0) << "the old end must be closed (EOF)";
  ::close(oldPeer);
}

}  // namespace
}  // namespace nefia::forwarder
