// Timer behaviour and configuration changes seen from outside two in-process devices: retransmission and giving
// up, keepalives, new handshake after unanswered data, zeroing after 540 s, persistent keepalive cadence, cookie
// replies under load, key rotation and upsertPeer keeping unchanged sessions.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/workers/tunnel/fakes.h"
#include "workers/tunnel/constants.h"

namespace nefia::wg {
namespace {

using namespace std::chrono_literals;
using testing_util::Datagram;
using testing_util::DevicePair;
using testing_util::endpoint;
using testing_util::ipv4Packet;
using testing_util::prefix;

constexpr std::size_t kKeepaliveSize = kMessageTransportMinSize;

TEST(DeviceTimersTest, UnansweredInitiationIsRetransmittedThenGivenUpAfter90Seconds) {
  DevicePair pair;
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  EXPECT_EQ(pair.agent->peerStatus()[0].state, PeerState::kHandshaking);
  pair.runFor(4900ms, false);
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageInitiationType), 1);
  pair.runFor(500ms, false);  // 5 s + at most 333 ms of jitter
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageInitiationType), 2);

  pair.runFor(120s, false);
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageInitiationType), 1 + kMaxHandshakeAttempts + 1);
  EXPECT_EQ(pair.agent->counters().stagedDropped, 1u);
  EXPECT_EQ(pair.agent->peerStatus()[0].state, PeerState::kIdle);

  pair.network.takeAll();
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));  // new traffic starts over
  pair.network.deliverAll();
  EXPECT_EQ(pair.operatorTun.packets.size(), 1u);
}

TEST(DeviceTimersTest, ReceivedDataIsAnsweredWithKeepaliveAfter10Seconds) {
  DevicePair pair;
  pair.connect();
  pair.runFor(11s);
  pair.network.history.clear();
  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  pair.network.deliverAll();
  pair.runFor(9900ms);
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), 0);
  pair.runFor(200ms);
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), 1);
}

TEST(DeviceTimersTest, UnansweredDataStartsANewHandshakeAfterAbout15Seconds) {
  DevicePair pair;
  pair.connect();
  pair.runFor(11s);
  pair.network.history.clear();
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  pair.network.deliverAll();
  for (int step = 0; step < 160; ++step) {  // 16 s; everything the operator sends is lost
    pair.runFor(100ms, false);
    std::erase_if(pair.network.inFlight,
                  [&](const Datagram& datagram) { return datagram.from == pair.operatorBind.local(); });
    if (step == 139) {
      EXPECT_EQ(pair.countSent(pair.agentBind, kMessageInitiationType), 0);
    }
    pair.network.deliverAll();
  }
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageInitiationType), 1);
}

TEST(DeviceTimersTest, KeyMaterialIsZeroedAfter540Seconds) {
  DevicePair pair;
  pair.connect();
  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  std::vector<Datagram> held = pair.network.takeAll();
  ASSERT_EQ(held.size(), 2u);
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));  // answers, so nobody re-handshakes
  pair.network.deliverAll();

  pair.runFor(200s);
  pair.network.deliver(held[0]);
  EXPECT_EQ(pair.agent->counters().expiredSession, 1u);  // keys still held, just too old

  pair.runFor(kZeroKeyMaterialAfter - 200s + 1s);
  pair.network.deliver(held[1]);
  EXPECT_EQ(pair.agent->counters().expiredSession, 1u);
  EXPECT_EQ(pair.agent->counters().unknownIndex, 1u);  // the session no longer exists at all
  EXPECT_FALSE(pair.agent->nextTimerDeadline().has_value());
}

TEST(DeviceTimersTest, PersistentKeepaliveDefaultsTo25SecondsAndStartsTheHandshake) {
  DevicePair pair(std::nullopt);  // config says nothing: the default applies because the peer has an endpoint
  ASSERT_EQ(pair.network.inFlight.size(), 1u);
  EXPECT_EQ(pair.network.inFlight.front().type(), kMessageInitiationType);
  pair.network.deliverAll();
  EXPECT_EQ(pair.agent->peerStatus()[0].state, PeerState::kEstablished);

  pair.network.history.clear();
  for (int period = 1; period <= 4; ++period) {
    pair.runFor(24800ms);
    EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), period - 1);
    pair.runFor(200ms);
    EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), period);
  }
}

TEST(DeviceTimersTest, PersistentKeepaliveZeroDisablesIt) {
  DevicePair pair(0s);
  EXPECT_TRUE(pair.network.inFlight.empty());
  pair.connect();
  pair.network.history.clear();
  pair.runFor(60s);
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), 0);
}

TEST(DeviceTimersTest, SwitchingPersistentKeepaliveOnSendsOneAtOnce) {
  DevicePair pair(0s);
  pair.connect();
  pair.runFor(11s);  // let the operator's keepalive pass: any authenticated packet restarts the cadence
  pair.network.history.clear();
  ASSERT_TRUE(pair.agent->upsertPeer(pair.agentSideConfig(30s)).ok());
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), 1);
  pair.runFor(29900ms);
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), 1);
  pair.runFor(200ms);
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageTransportType, kKeepaliveSize), 2);
}

TEST(DeviceTimersTest, CookieReplyUnderLoadThenHandshakeWithMac2Succeeds) {
  DevicePair pair;
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  const Datagram initiation = pair.network.takeAll().front();

  const int flood = kUnderLoadHandshakesPerSecond + 5;
  for (int i = 0; i < flood; ++i) pair.network.deliver(initiation);
  EXPECT_EQ(pair.operatorDevice->counters().cookieRepliesSent, 5u);
  std::vector<Datagram> replies = pair.network.takeAll();
  const auto cookie = std::find_if(replies.begin(), replies.end(), [](const Datagram& datagram) {
    return datagram.type() == kMessageCookieReplyType && datagram.bytes.size() == kMessageCookieReplySize;
  });
  ASSERT_NE(cookie, replies.end());
  EXPECT_EQ(cookie->to, pair.agentBind.local());
  pair.network.deliver(*cookie);  // the agent stores the cookie; the first response is deliberately lost

  pair.runFor(5400ms, false);  // retransmission carries mac2
  std::vector<Datagram> retry = pair.network.takeAll();
  ASSERT_EQ(retry.size(), 1u);
  ASSERT_EQ(retry[0].type(), kMessageInitiationType);
  const bool hasMac2 = std::any_of(retry[0].bytes.end() - kMacSize, retry[0].bytes.end(), [](uint8_t b) { return b; });
  EXPECT_TRUE(hasMac2);

  // Still under load (another flood from elsewhere), the initiation with a valid mac2 is accepted.
  Datagram attacker = initiation;
  attacker.from = endpoint("192.0.2.99:9999");
  for (int i = 0; i < flood; ++i) pair.network.deliver(attacker);
  pair.network.takeAll();
  const uint64_t cookiesBefore = pair.operatorDevice->counters().cookieRepliesSent;
  pair.network.deliver(retry[0]);
  EXPECT_EQ(pair.operatorDevice->counters().cookieRepliesSent, cookiesBefore);
  pair.network.deliverAll();
  EXPECT_EQ(pair.agent->peerStatus()[0].state, PeerState::kEstablished);
  EXPECT_EQ(pair.operatorTun.packets.size(), 1u);
}

TEST(DeviceTimersTest, MessageWithWrongMac1IsDroppedSilently) {
  DevicePair pair;
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  Datagram initiation = pair.network.takeAll().front();
  initiation.bytes[kMessageInitiationSize - 2 * kMacSize] ^= 1;
  pair.network.deliver(initiation);
  EXPECT_TRUE(pair.network.inFlight.empty());
  EXPECT_EQ(pair.operatorDevice->counters().invalidMac1, 1u);
}

TEST(DeviceTimersTest, SetPrivateKeyDropsSessionsAndReHandshakesWithTheNewKey) {
  DevicePair pair;
  pair.connect();
  const Key32 newAgentKey = generatePrivateKey();
  pair.operatorDevice->removePeer(publicKeyFor(pair.agentKey));
  PeerConfig renamed = pair.operatorSideConfig();
  renamed.publicKey = publicKeyFor(newAgentKey);
  ASSERT_TRUE(pair.operatorDevice->upsertPeer(renamed).ok());

  pair.agent->setPrivateKey(newAgentKey);
  ASSERT_EQ(pair.network.inFlight.size(), 1u);
  EXPECT_EQ(pair.network.inFlight.front().type(), kMessageInitiationType);
  pair.network.deliverAll();
  EXPECT_EQ(pair.agent->counters().handshakesCompleted, 2u);
  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  pair.network.deliverAll();
  EXPECT_EQ(pair.agentTun.packets.size(), 1u);
}

TEST(DeviceTimersTest, UpsertingAnUnchangedPeerKeepsItsSession) {
  DevicePair pair;
  pair.connect();
  pair.network.history.clear();
  ASSERT_TRUE(pair.agent->upsertPeer(pair.agentSideConfig(0s)).ok());
  EXPECT_TRUE(pair.network.inFlight.empty());

  // The operator's config change for this peer (one more allowed IP) keeps the session too.
  PeerConfig widened = pair.operatorSideConfig();
  widened.allowedIps.push_back(prefix("10.99.0.3/32"));
  ASSERT_TRUE(pair.operatorDevice->upsertPeer(widened).ok());
  pair.agent->sendPacket(ipv4Packet("10.99.0.3", "10.99.0.1", 10));
  pair.network.deliverAll();
  EXPECT_EQ(pair.countSent(pair.agentBind, kMessageInitiationType), 0);
  EXPECT_EQ(pair.operatorTun.packets.size(), 2u);
  EXPECT_EQ(pair.agent->counters().handshakesCompleted, 1u);
}

TEST(DeviceTimersTest, ChangedPresharedKeyDropsTheSessionAndReHandshakes) {
  DevicePair pair;
  pair.connect();
  pair.clock.advance(1s);  // a later initiation carries a newer TAI64N timestamp
  Key32 psk;
  psk[0] = 7;
  PeerConfig operatorSide = pair.operatorSideConfig();
  operatorSide.presharedKey = psk;
  ASSERT_TRUE(pair.operatorDevice->upsertPeer(operatorSide).ok());
  PeerConfig agentSide = pair.agentSideConfig(0s);
  agentSide.presharedKey = psk;
  ASSERT_TRUE(pair.agent->upsertPeer(agentSide).ok());
  // Both ends initiate at once (the operator learned the agent's endpoint); retransmission jitter (up to 333 ms)
  // separates the retries, so the clock moves in 5 ms steps here.
  EXPECT_EQ(pair.network.inFlight.size(), 2u);
  pair.runFor(20s, true, 5ms);
  EXPECT_GE(pair.agent->counters().handshakesCompleted, 2u);
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  pair.network.deliverAll();
  EXPECT_EQ(pair.operatorTun.packets.size(), 2u);
}

TEST(DeviceTimersTest, OwnKeyAsPeerIsRejectedWithAnActionableError) {
  DevicePair pair;
  PeerConfig self = pair.agentSideConfig(0s);
  self.publicKey = publicKeyFor(pair.agentKey);
  const Status status = pair.agent->upsertPeer(self);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("peers[].public_key"), std::string::npos);
}

}  // namespace
}  // namespace nefia::wg
