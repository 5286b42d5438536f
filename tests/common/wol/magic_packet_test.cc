// Tests for the magic packet bytes and for sending it: received on a loopback UDP listener, never broadcast.
// Every receive is bounded by a socket timeout so a lost datagram fails the test instead of hanging it.
#include "common/wol/magic_packet.h"

#include <gtest/gtest.h>

#include "tests/common/loopback_udp_listener.h"

namespace nefia {
namespace {

const MacAddress kMac{{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0xfe}};

void expectMagicPacketFor(const MacAddress& mac, const std::uint8_t* bytes, std::size_t size) {
  ASSERT_EQ(size, 102u);
  for (std::size_t index = 0; index < 6; ++index) EXPECT_EQ(bytes[index], 0xff) << "byte " << index;
  for (std::size_t index = 6; index < 102; ++index) {
    EXPECT_EQ(bytes[index], mac.bytes[(index - 6) % 6]) << "byte " << index;
  }
}

TEST(MagicPacketTest, IsSixFfBytesThenTheMacSixteenTimes) {
  const MagicPacket packet = buildMagicPacket(kMac);
  expectMagicPacketFor(kMac, packet.data(), packet.size());
}

TEST(MagicPacketTest, ArrivesIntactOnALoopbackListener) {
  test::LoopbackUdpListener listener;
  ASSERT_TRUE(listener.ok());
  ASSERT_TRUE(sendMagicPacket(kMac, "127.0.0.1", listener.port()).ok());
  const auto received = listener.receive();
  expectMagicPacketFor(kMac, received.data(), received.size());
}

}  // namespace
}  // namespace nefia
