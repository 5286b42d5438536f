// Tests for `nefia-agent wol`: the one packet it sends arrives on a loopback listener; bad arguments send nothing.
// Every receive is bounded by the listener's socket timeout, so a lost datagram fails instead of hanging.
#include "agent/commands/wol_command.h"

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "common/wol/magic_packet.h"
#include "tests/common/loopback_udp_listener.h"

namespace nefia {
namespace {

const MacAddress kMac{{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0xfe}};

void expectMagicPacketFor(const MacAddress& mac, const std::vector<std::uint8_t>& received) {
  const MagicPacket expected = buildMagicPacket(mac);
  ASSERT_EQ(received.size(), expected.size());
  EXPECT_TRUE(std::equal(received.begin(), received.end(), expected.begin()));
}

TEST(WolCommandTest, CommandParsesTheMacSendsAndSaysWhatItSent) {
  test::LoopbackUdpListener listener;
  ASSERT_TRUE(listener.ok());
  std::ostringstream out, err;
  EXPECT_EQ(runWolCommand("00-1A-2B-3C-4D-FE", "127.0.0.1", listener.port(), out, err), kWolExitSent) << err.str();
  EXPECT_EQ(out.str(), "Sent Wake-on-LAN magic packet for 00:1a:2b:3c:4d:fe to 127.0.0.1:" +
                           std::to_string(listener.port()) + " (102 bytes)\n");
  EXPECT_EQ(err.str(), "");
  const auto received = listener.receive();
  expectMagicPacketFor(kMac, received);
}

TEST(WolCommandTest, BadArgumentsAreUsageErrorsAndSendNothing) {
  std::ostringstream out, err;
  EXPECT_EQ(runWolCommand("00:1a:2b:3c:4d", "127.0.0.1", 9, out, err), kWolExitBadArgument);
  EXPECT_NE(err.str().find("--mac: \"00:1a:2b:3c:4d\" is not a MAC address"), std::string::npos) << err.str();

  err.str("");
  EXPECT_EQ(runWolCommand("001a2b3c4dfe", "broadcast.example", 9, out, err), kWolExitBadArgument);
  EXPECT_NE(err.str().find("--broadcast: \"broadcast.example\" is not an IPv4 address"), std::string::npos)
      << err.str();

  err.str("");
  EXPECT_EQ(runWolCommand("001a2b3c4dfe", "127.0.0.1", 70000, out, err), kWolExitBadArgument);
  EXPECT_NE(err.str().find("--port: 70000 is not a UDP port"), std::string::npos) << err.str();
  EXPECT_FALSE(sendMagicPacket(kMac, "127.0.0.1", 0).ok());
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace nefia
