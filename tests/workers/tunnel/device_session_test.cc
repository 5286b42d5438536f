// Two in-process devices over a fake network: handshake, data both ways, padding, rekey at 120 s, rejection at
// 180 s, replayed and reordered packets, roaming and the allowed-IP source check. Fake clock: milliseconds each.
#include <gtest/gtest.h>

#include "tests/workers/tunnel/fakes.h"
#include "workers/tunnel/constants.h"

namespace nefia::wg {
namespace {

using namespace std::chrono_literals;
using testing_util::Datagram;
using testing_util::DevicePair;
using testing_util::endpoint;
using testing_util::ipv4Packet;

TEST(DeviceSessionTest, HandshakeThenDataFlowsBothWays) {
  DevicePair pair;
  const std::vector<uint8_t> request = ipv4Packet("10.99.0.2", "10.99.0.1", 100, 0x11);
  pair.agent->sendPacket(request);
  ASSERT_EQ(pair.network.inFlight.size(), 1u);
  EXPECT_EQ(pair.network.inFlight.front().bytes.size(), kMessageInitiationSize);
  pair.network.deliverAll();

  ASSERT_EQ(pair.operatorTun.packets.size(), 1u);
  EXPECT_EQ(pair.operatorTun.packets[0], request);
  EXPECT_EQ(pair.countSent(pair.operatorBind, kMessageResponseType, kMessageResponseSize), 1);

  const std::vector<uint8_t> reply = ipv4Packet("10.99.0.1", "10.99.0.2", 1380, 0x22);
  pair.operatorDevice->sendPacket(reply);
  pair.network.deliverAll();
  ASSERT_EQ(pair.agentTun.packets.size(), 1u);
  EXPECT_EQ(pair.agentTun.packets[0], reply);

  const auto agentStatus = pair.agent->peerStatus();
  ASSERT_EQ(agentStatus.size(), 1u);
  EXPECT_EQ(agentStatus[0].state, PeerState::kEstablished);
  EXPECT_TRUE(agentStatus[0].lastHandshake.has_value());
  EXPECT_EQ(agentStatus[0].endpoint, "192.0.2.1:51820");
  const auto operatorStatus = pair.operatorDevice->peerStatus();
  EXPECT_EQ(operatorStatus[0].endpoint, "192.0.2.2:51820");  // learned from the handshake
  EXPECT_EQ(agentStatus[0].txBytes, operatorStatus[0].rxBytes);
  EXPECT_EQ(agentStatus[0].rxBytes, operatorStatus[0].txBytes);
  EXPECT_EQ(pair.agent->counters().handshakesCompleted, 1u);
  EXPECT_EQ(pair.operatorDevice->counters().handshakesCompleted, 1u);
}

TEST(DeviceSessionTest, TransportPayloadIsPaddedToSixteenBytes) {
  DevicePair pair;
  pair.connect();
  pair.network.history.clear();
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 1));  // 21-byte IP packet
  ASSERT_EQ(pair.network.inFlight.size(), 1u);
  EXPECT_EQ(pair.network.inFlight.front().bytes.size(), kMessageTransportHeaderSize + 32 + kAeadTagSize);
  pair.network.deliverAll();
  EXPECT_EQ(pair.operatorTun.packets.back().size(), 21u);  // padding removed by the IP total length
}

TEST(DeviceSessionTest, PacketWithoutRouteIsDroppedAndCounted) {
  DevicePair pair;
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.77", 10));
  EXPECT_TRUE(pair.network.inFlight.empty());
  EXPECT_EQ(pair.agent->counters().noRoute, 1u);
}

TEST(DeviceSessionTest, InitiatorRekeysAfter120Seconds) {
  DevicePair pair;
  pair.connect();
  pair.clock.advance(kRekeyAfterTime - 1s);
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  EXPECT_EQ(pair.network.inFlight.size(), 1u);  // data only: the session is not old enough
  pair.network.deliverAll();

  pair.clock.advance(2s);
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  ASSERT_EQ(pair.network.inFlight.size(), 2u);  // data on the old session, then a new initiation
  EXPECT_EQ(pair.network.inFlight.back().type(), kMessageInitiationType);
  pair.network.deliverAll();
  EXPECT_EQ(pair.agent->counters().handshakesCompleted, 2u);

  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  pair.network.deliverAll();
  EXPECT_EQ(pair.operatorDevice->counters().handshakesCompleted, 2u);  // confirmed by the agent's keepalive
  EXPECT_EQ(pair.agentTun.packets.size(), 1u);
}

TEST(DeviceSessionTest, SessionIsRejectedAfter180Seconds) {
  DevicePair pair;
  pair.connect();
  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  std::vector<Datagram> held = pair.network.takeAll();
  ASSERT_EQ(held.size(), 1u);

  pair.clock.advance(kRejectAfterTime + 1s);
  pair.network.deliver(held[0]);
  EXPECT_TRUE(pair.agentTun.packets.empty());
  EXPECT_EQ(pair.agent->counters().expiredSession, 1u);

  // Sending on an expired session is refused too: the packet waits for a fresh handshake instead.
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  ASSERT_EQ(pair.network.inFlight.size(), 1u);
  EXPECT_EQ(pair.network.inFlight.front().type(), kMessageInitiationType);
  const std::size_t before = pair.operatorTun.packets.size();
  pair.network.deliverAll();
  EXPECT_EQ(pair.operatorTun.packets.size(), before + 1);
}

TEST(DeviceSessionTest, ReplayedPacketIsDeliveredOnce) {
  DevicePair pair;
  pair.connect();
  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  std::vector<Datagram> held = pair.network.takeAll();
  pair.network.deliver(held[0]);
  pair.network.deliver(held[0]);
  EXPECT_EQ(pair.agentTun.packets.size(), 1u);
  EXPECT_EQ(pair.agent->counters().replayedPackets, 1u);
}

TEST(DeviceSessionTest, ReorderedPacketsWithinTheWindowAreAllDelivered) {
  DevicePair pair;
  pair.connect();
  for (uint8_t i = 0; i < 3; ++i) pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10, i));
  std::vector<Datagram> held = pair.network.takeAll();
  ASSERT_EQ(held.size(), 3u);
  pair.network.deliver(held[2]);
  pair.network.deliver(held[0]);
  pair.network.deliver(held[1]);
  ASSERT_EQ(pair.agentTun.packets.size(), 3u);
  EXPECT_EQ(pair.agentTun.packets[0].back(), 2);
  EXPECT_EQ(pair.agentTun.packets[1].back(), 0);
  EXPECT_EQ(pair.agentTun.packets[2].back(), 1);
}

TEST(DeviceSessionTest, PacketOlderThanTheWindowIsRejected) {
  DevicePair pair;
  pair.connect();
  std::vector<Datagram> held;
  for (int i = 0; i < 4200; ++i) {
    pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 0));
    std::vector<Datagram> batch = pair.network.takeAll();
    held.insert(held.end(), batch.begin(), batch.end());
  }
  pair.network.deliver(held.back());
  pair.network.deliver(held[4199 - 2048]);  // 2048 behind: inside the window
  pair.network.deliver(held[0]);            // 4199 behind: outside
  EXPECT_EQ(pair.agentTun.packets.size(), 2u);
  EXPECT_EQ(pair.agent->counters().replayedPackets, 1u);
}

TEST(DeviceSessionTest, EndpointFollowsTheLastAuthenticatedPacket) {
  DevicePair pair;
  pair.connect();
  pair.agentBind.moveTo(endpoint("192.0.2.77:40000"));  // the agent's NAT mapping changed
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  pair.network.deliverAll();
  EXPECT_EQ(pair.operatorDevice->peerStatus()[0].endpoint, "192.0.2.77:40000");

  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  ASSERT_EQ(pair.network.inFlight.size(), 1u);
  EXPECT_EQ(pair.network.inFlight.front().to, endpoint("192.0.2.77:40000"));
  pair.network.deliverAll();
  EXPECT_EQ(pair.agentTun.packets.size(), 1u);
}

TEST(DeviceSessionTest, ForgedSourceCannotMoveTheEndpoint) {
  DevicePair pair;
  pair.connect();
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  Datagram forged = pair.network.takeAll().front();
  forged.bytes[20] ^= 1;  // tampered ciphertext from another address
  forged.from = endpoint("192.0.2.66:1");
  pair.network.deliver(forged);
  EXPECT_EQ(pair.operatorDevice->peerStatus()[0].endpoint, "192.0.2.2:51820");
  EXPECT_EQ(pair.operatorDevice->counters().transportDecryptFailed, 1u);
}

TEST(DeviceSessionTest, InnerSourceOutsideAllowedIpsIsDroppedAndCounted) {
  DevicePair pair;
  pair.connect();
  pair.operatorDevice->sendPacket(ipv4Packet("10.99.0.50", "10.99.0.2", 10));  // spoofed inner source
  pair.network.deliverAll();
  EXPECT_TRUE(pair.agentTun.packets.empty());
  EXPECT_EQ(pair.agent->counters().allowedIpMismatch, 1u);
}

TEST(DeviceSessionTest, PacketsGoToThePeerWhoseVpnAddressMatchesTheDestination) {
  DevicePair pair;
  testing_util::FakeTun secondTun;
  testing_util::FakeBind secondBind{pair.network, endpoint("192.0.2.3:51820")};
  const Key32 secondKey = generatePrivateKey();
  Device second(secondKey, pair.clock, secondBind, secondTun);
  pair.network.attach(&secondBind, &second);
  ASSERT_TRUE(second.upsertPeer(pair.operatorSideConfig()).ok());
  PeerConfig toSecond = pair.agentSideConfig(0s);
  toSecond.publicKey = publicKeyFor(secondKey);
  toSecond.endpoint = endpoint("192.0.2.3:51820");
  toSecond.allowedIps = {testing_util::prefix("10.99.0.3/32")};
  ASSERT_TRUE(pair.agent->upsertPeer(toSecond).ok());

  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10, 1));
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.3", 10, 3));
  pair.network.deliverAll();
  ASSERT_EQ(pair.operatorTun.packets.size(), 1u);
  EXPECT_EQ(pair.operatorTun.packets[0].back(), 1);
  ASSERT_EQ(secondTun.packets.size(), 1u);
  EXPECT_EQ(secondTun.packets[0].back(), 3);
  EXPECT_EQ(pair.agent->peerStatus().size(), 2u);

  // The second operator cannot speak for the first one's VPN address.
  second.sendPacket(ipv4Packet("10.99.0.1", "10.99.0.2", 10));
  pair.network.deliverAll();
  EXPECT_TRUE(pair.agentTun.packets.empty());
  EXPECT_EQ(pair.agent->counters().allowedIpMismatch, 1u);
}

TEST(DeviceSessionTest, StunDatagramIsClassifiedNotProcessed) {
  DevicePair pair;
  std::vector<uint8_t> stun(20, 0);
  stun[1] = 0x01;  // binding request
  stun[4] = 0x21;
  stun[5] = 0x12;
  stun[6] = 0xA4;
  stun[7] = 0x42;
  EXPECT_EQ(pair.agent->receiveDatagram(endpoint("192.0.2.9:3478"), stun), Device::DatagramKind::kStun);
  std::vector<uint8_t> junk(7, 9);
  EXPECT_EQ(pair.agent->receiveDatagram(endpoint("192.0.2.9:3478"), junk), Device::DatagramKind::kUnknown);
  EXPECT_EQ(pair.agent->counters().stunDatagrams, 1u);
  EXPECT_TRUE(pair.network.inFlight.empty());
}

TEST(DeviceSessionTest, ReplayedInitiationIsRejectedByTimestamp) {
  DevicePair pair;
  pair.agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 10));
  const Datagram initiation = pair.network.takeAll().front();
  pair.network.deliver(initiation);
  pair.network.takeAll();
  pair.clock.advance(1s);
  pair.network.deliver(initiation);
  EXPECT_TRUE(pair.network.inFlight.empty());
  EXPECT_EQ(pair.operatorDevice->counters().replayedHandshakes, 1u);
}

}  // namespace
}  // namespace nefia::wg
