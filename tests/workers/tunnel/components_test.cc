// Unit tests of the protocol building blocks on their own: replay window, TAI64N, allowed-IP prefixes and
// routing, endpoint parsing/printing, padding, message layout, and the mac1/mac2/cookie exchange.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "tests/workers/tunnel/fakes.h"
#include "tests/workers/tunnel/test_util.h"
#include "workers/tunnel/constants.h"
#include "workers/tunnel/cookie.h"
#include "workers/tunnel/messages.h"
#include "workers/tunnel/padding.h"
#include "workers/tunnel/replay_window.h"
#include "workers/tunnel/tai64n.h"
#include "workers/tunnel/timers.h"

namespace nefia::wg {
namespace {

using namespace std::chrono_literals;
using testing_util::toHex;

TEST(ReplayWindowTest, AcceptsEachCounterOnceInAnyOrderWithinTheWindow) {
  ReplayWindow window;
  EXPECT_TRUE(window.accept(0));
  EXPECT_FALSE(window.accept(0));
  EXPECT_TRUE(window.accept(5));
  EXPECT_TRUE(window.accept(3));
  EXPECT_FALSE(window.accept(3));
  EXPECT_TRUE(window.accept(5000));
  EXPECT_TRUE(window.accept(5000 - 2048));  // 2048 packets of reordering are tolerated
  EXPECT_FALSE(window.accept(5000 - ReplayWindow::kWindowSize - 1));
  EXPECT_FALSE(window.accept(kRejectAfterMessages));
}

TEST(ReplayWindowTest, LargeJumpForgetsOldBitsButNotTheNewCounter) {
  ReplayWindow window;
  for (uint64_t counter = 0; counter < 100; ++counter) ASSERT_TRUE(window.accept(counter));
  EXPECT_TRUE(window.accept(1'000'000));
  EXPECT_FALSE(window.accept(1'000'000));
  EXPECT_TRUE(window.accept(1'000'000 - 64));  // same ring slot as an old counter, but never seen
  window.reset();
  EXPECT_TRUE(window.accept(50));
}

TEST(Tai64nTest, EncodesUnixTimeWithTaiOffsetAndOrdersByTime) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'694'400)) + 500ms;
  const Tai64n stamp = Tai64n::fromWallClock(time);
  EXPECT_EQ(toHex(stamp.bytes().data(), 8), "400000006b081f4a");  // 2^62 + 10 + 1795694400
  EXPECT_TRUE(Tai64n::fromWallClock(time + 1s).isNewerThan(stamp));
  EXPECT_FALSE(stamp.isNewerThan(stamp));
  EXPECT_FALSE(Tai64n::fromWallClock(time + 1ms).isNewerThan(stamp));  // whitened: sub-16 ms steps do not count
}

TEST(IpPrefixTest, ParsesHostsAndNetworksAndMatches) {
  const IpPrefix host = *IpPrefix::parse("10.99.0.1");
  EXPECT_EQ(host.toString(), "10.99.0.1/32");
  const IpPrefix network = *IpPrefix::parse("10.99.0.77/24");
  EXPECT_EQ(network.toString(), "10.99.0.0/24");
  const IpPrefix v6 = *IpPrefix::parse("2001:db8::1/128");
  EXPECT_EQ(v6.family, 6);
  EXPECT_FALSE(IpPrefix::parse("10.99.0.1/33").has_value());
  EXPECT_FALSE(IpPrefix::parse("10.99.0.1/").has_value());
  EXPECT_FALSE(IpPrefix::parse("vpn.example").has_value());
  const uint8_t inside[4] = {10, 99, 0, 200};
  const uint8_t outside[4] = {10, 99, 1, 1};
  EXPECT_TRUE(network.contains(inside, 4));
  EXPECT_FALSE(network.contains(outside, 4));
  EXPECT_FALSE(host.contains(inside, 4));
}

TEST(AllowedIpsTest, LongestPrefixWinsAndRemovedPeersStopMatching) {
  AllowedIps table;
  Peer* wide = reinterpret_cast<Peer*>(0x1000);
  Peer* narrow = reinterpret_cast<Peer*>(0x2000);
  table.insert(*IpPrefix::parse("10.99.0.0/24"), wide);
  table.insert(*IpPrefix::parse("10.99.0.1/32"), narrow);
  const auto destination = [](const char* address) {
    return *packetDestination(testing_util::ipv4Packet("10.99.0.2", address, 0));
  };
  EXPECT_EQ(table.lookup(destination("10.99.0.1")), narrow);
  EXPECT_EQ(table.lookup(destination("10.99.0.9")), wide);
  EXPECT_EQ(table.lookup(destination("192.0.2.1")), nullptr);
  table.removePeer(narrow);
  EXPECT_EQ(table.lookup(destination("10.99.0.1")), wide);
}

TEST(UdpEndpointTest, ParsesAndPrintsIpv4AndIpv6) {
  EXPECT_EQ(UdpEndpoint::parse("192.0.2.1:51820")->toString(), "192.0.2.1:51820");
  EXPECT_EQ(UdpEndpoint::parse("[2001:db8::1]:51820")->toString(), "[2001:db8::1]:51820");
  EXPECT_FALSE(UdpEndpoint::parse("192.0.2.1").has_value());
  EXPECT_FALSE(UdpEndpoint::parse("192.0.2.1:0").has_value());
  EXPECT_FALSE(UdpEndpoint::parse("192.0.2.1:70000").has_value());
  EXPECT_FALSE(UdpEndpoint::parse("operator.example:51820").has_value());  // names are resolved by the supervisor
  EXPECT_TRUE(*UdpEndpoint::parse("192.0.2.1:51820") == *UdpEndpoint::parse("192.0.2.1:51820"));
  EXPECT_FALSE(*UdpEndpoint::parse("192.0.2.1:51820") == *UdpEndpoint::parse("192.0.2.1:51821"));
}

TEST(UdpEndpointTest, Ipv4SeenThroughTheDualStackSocketIsPlainIpv4) {
  sockaddr_in6 mapped{};
  mapped.sin6_family = AF_INET6;
  mapped.sin6_port = htons(51821);
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:192.0.2.1", &mapped.sin6_addr), 1);
  const UdpEndpoint seen = UdpEndpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&mapped), sizeof mapped);
  EXPECT_EQ(seen.toString(), "192.0.2.1:51821");  // not "[::ffff:192.0.2.1]:51821"
  EXPECT_EQ(seen.address.ss_family, AF_INET);
  EXPECT_EQ(seen.length, sizeof(sockaddr_in));
  EXPECT_TRUE(seen == *UdpEndpoint::parse("192.0.2.1:51821"));  // the configured endpoint: no roaming
  EXPECT_EQ(UdpEndpoint::parse("[::ffff:192.0.2.1]:51821")->toString(), "192.0.2.1:51821");

  sockaddr_in6 native{};
  native.sin6_family = AF_INET6;
  native.sin6_port = htons(51821);
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8:99::1", &native.sin6_addr), 1);
  const UdpEndpoint v6 = UdpEndpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&native), sizeof native);
  EXPECT_EQ(v6.toString(), "[2001:db8:99::1]:51821");
  EXPECT_FALSE(v6 == *UdpEndpoint::parse("192.0.2.1:51821"));
  // ::192.0.2.1 (IPv4-compatible, deprecated) is not a mapped address: it stays IPv6.
  EXPECT_EQ(UdpEndpoint::parse("[::192.0.2.1]:51821")->toString(), "[::192.0.2.1]:51821");
}

TEST(TransportPaddingTest, PadsToSixteenButNeverPastTheTunnelMtu) {
  EXPECT_EQ(paddedPlaintextSize(0, kTunnelMtu), 0u);  // keepalive
  EXPECT_EQ(paddedPlaintextSize(1, kTunnelMtu), 16u);
  EXPECT_EQ(paddedPlaintextSize(40, kTunnelMtu), 48u);
  EXPECT_EQ(paddedPlaintextSize(1408, kTunnelMtu), 1408u);
  EXPECT_EQ(paddedPlaintextSize(1409, kTunnelMtu), 1420u);  // 1424 capped
  // A full-size packet: 1420 + 32 bytes of WireGuard = 1452, the UDP payload that fills a 1500-byte IPv6 link
  // exactly (40 + 8 + 1452). Padding to 1424 made it 1504, which the kernel refused as a GSO message.
  EXPECT_EQ(paddedPlaintextSize(1420, kTunnelMtu), 1420u);
  EXPECT_EQ(paddedPlaintextSize(1420, kTunnelMtu) + kMessageTransportHeaderSize + kAeadTagSize + 40 + 8, 1500u);
  EXPECT_EQ(paddedPlaintextSize(1421, kTunnelMtu), 1421u + 15u);  // beyond the MTU: only the last unit is padded
  EXPECT_EQ(paddedPlaintextSize(1421, 0), 1424u);                  // no MTU: plain multiple of 16
}

TEST(MessagesTest, SizesAndTypesFollowTheWireFormat) {
  MessageInitiation initiation;
  initiation.sender = 0x01020304;
  std::array<uint8_t, kMessageInitiationSize> wire{};
  serialize(initiation, wire);
  EXPECT_EQ(toHex(wire.data(), 8), "0100000004030201");
  EXPECT_TRUE(parseInitiation(wire).has_value());
  EXPECT_FALSE(parseInitiation(std::span<const uint8_t>(wire).first(147)).has_value());
  wire[1] = 1;  // reserved bytes must be zero
  EXPECT_FALSE(parseInitiation(wire).has_value());

  std::array<uint8_t, kMessageTransportMinSize> keepalive{};
  serialize(TransportHeader{7, 0x0102030405060708ULL},
            std::span<uint8_t, kMessageTransportHeaderSize>(keepalive.data(), kMessageTransportHeaderSize));
  EXPECT_EQ(toHex(keepalive.data(), 16), "04000000070000000807060504030201");
  EXPECT_TRUE(parseTransportHeader(keepalive).has_value());
  EXPECT_FALSE(parseTransportHeader(std::span<const uint8_t>(keepalive).first(31)).has_value());
  EXPECT_EQ(kMessageResponseSize, 92u);
  EXPECT_EQ(kMessageCookieReplySize, 64u);
}

TEST(CookieTest, Mac2IsValidOnlyWithTheCookieForTheSameSourceAndExpires) {
  const Key32 responderKey = generatePrivateKey();
  const Key32 responderPublic = publicKeyFor(responderKey);
  CookieChecker checker(responderPublic);
  CookieGenerator generator(responderPublic);
  const auto start = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  const UdpEndpoint source = *UdpEndpoint::parse("192.0.2.2:51820");

  std::array<uint8_t, kMessageInitiationSize> message{};
  message[0] = 1;
  generator.addMacs(message, start);
  EXPECT_TRUE(checker.checkMac1(message));
  EXPECT_FALSE(checker.checkMac2(message, source, start));

  MessageCookieReply reply = checker.createReply(message, 42, source, start);
  EXPECT_TRUE(generator.consumeReply(reply, start));
  EXPECT_FALSE(generator.consumeReply(reply, start));  // answers only the last MACed message, once
  generator.addMacs(message, start + 1s);
  EXPECT_TRUE(checker.checkMac1(message));
  EXPECT_TRUE(checker.checkMac2(message, source, start + 1s));
  EXPECT_FALSE(checker.checkMac2(message, *UdpEndpoint::parse("192.0.2.3:51820"), start + 1s));

  generator.addMacs(message, start + kCookieRefreshTime + 1s);  // stored cookie too old: mac2 left zero
  EXPECT_FALSE(checker.checkMac2(message, source, start + kCookieRefreshTime + 1s));

  CookieChecker otherResponder(publicKeyFor(generatePrivateKey()));
  EXPECT_FALSE(otherResponder.checkMac1(message));
}

TEST(PeerTimersTest, MessageCountLimitsTriggerRekeyAndRejection) {
  const auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  Keypair keypair;
  keypair.created = now;
  keypair.isInitiator = false;
  keypair.sendCounter = kRekeyAfterMessages;
  EXPECT_FALSE(PeerTimers::shouldRekeyAfterSending(keypair, now));
  keypair.sendCounter = kRekeyAfterMessages + 1;  // 2^60 messages: even the responder asks for a new handshake
  EXPECT_TRUE(PeerTimers::shouldRekeyAfterSending(keypair, now));
  EXPECT_TRUE(PeerTimers::canSendWith(keypair, now));
  keypair.sendCounter = kRejectAfterMessages;
  EXPECT_FALSE(PeerTimers::canSendWith(keypair, now));
  keypair.sendCounter = 0;
  EXPECT_FALSE(PeerTimers::shouldRekeyAfterSending(keypair, now + kRekeyAfterTime));  // time rekey: initiator only
  keypair.isInitiator = true;
  EXPECT_TRUE(PeerTimers::shouldRekeyAfterSending(keypair, now + kRekeyAfterTime));
  EXPECT_FALSE(PeerTimers::canReceiveWith(keypair, now + kRejectAfterTime));
}

TEST(PeerTimersTest, InitiationsAreRateLimitedToOnePerRekeyTimeout) {
  const auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  PeerTimers timers;
  EXPECT_TRUE(timers.mayInitiateHandshake(now));
  timers.onHandshakeInitiated(now);
  EXPECT_FALSE(timers.mayInitiateHandshake(now + kRekeyTimeout - 1ms));
  EXPECT_TRUE(timers.mayInitiateHandshake(now + kRekeyTimeout));
  const auto retransmit = timers.deadline(TimerKind::kRetransmitHandshake);
  ASSERT_TRUE(retransmit.has_value());
  EXPECT_GE(*retransmit, now + kRekeyTimeout);
  EXPECT_LT(*retransmit, now + kRekeyTimeout + kRekeyTimeoutJitterMax);
}

}  // namespace
}  // namespace nefia::wg
