// Tests for the magic packet bytes and for sending it: received on a loopback UDP listener, never broadcast.
// Every receive is bounded by a socket timeout so a lost datagram fails the test instead of hanging it.
#include "common/wol/magic_packet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

#include <gtest/gtest.h>

#include "common/wol/wol_command.h"

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

// A UDP socket on 127.0.0.1 with a kernel-chosen port and a 2 s receive timeout.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{2, 0};
    socklen_t length = sizeof address;
    ok_ = fd_ >= 0 && ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0 &&
          ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
          ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  int port() const { return port_; }
  // The next datagram (up to 2 KiB), or an empty vector after the timeout.
  std::vector<std::uint8_t> receive() {
    std::vector<std::uint8_t> buffer(2048);
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    buffer.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buffer;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  bool ok_ = false;
};

TEST(MagicPacketTest, ArrivesIntactOnALoopbackListener) {
  LoopbackListener listener;
  ASSERT_TRUE(listener.ok());
  ASSERT_TRUE(sendMagicPacket(kMac, "127.0.0.1", listener.port()).ok());
  const auto received = listener.receive();
  expectMagicPacketFor(kMac, received.data(), received.size());
}

TEST(MagicPacketTest, CommandParsesTheMacSendsAndSaysWhatItSent) {
  LoopbackListener listener;
  ASSERT_TRUE(listener.ok());
  std::ostringstream out, err;
  EXPECT_EQ(runWolCommand("00-1A-2B-3C-4D-FE", "127.0.0.1", listener.port(), out, err), kWolExitSent) << err.str();
  EXPECT_EQ(out.str(), "Sent Wake-on-LAN magic packet for 00:1a:2b:3c:4d:fe to 127.0.0.1:" +
                           std::to_string(listener.port()) + " (102 bytes)\n");
  EXPECT_EQ(err.str(), "");
  const auto received = listener.receive();
  expectMagicPacketFor(kMac, received.data(), received.size());
}

TEST(MagicPacketTest, BadArgumentsAreUsageErrorsAndSendNothing) {
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
