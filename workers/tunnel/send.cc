// Outbound pipeline (netstack -> UDP):
//   1. sendPacket: route the IP packet by destination to a peer (allowed IPs); no peer -> drop, count noRoute.
//   2. With a usable current session and nothing staged, encrypt straight from the caller's span (no copy, no
//      allocation); otherwise stage a copy (bounded, oldest dropped) and start a handshake.
//   3. sendStagedPackets: flush the staged queue through the current session.
//   4. sendTransport: header, padding to 16, ChaCha20-Poly1305 with the session's next counter, timer hooks.
//   5. After sending, ask timers whether the session is due for rekeying and initiate if so.
// Handshake messages (initiation, response) and keepalives go out through the same sendToPeer.
#include <cstring>

#include "workers/tunnel/constants.h"
#include "workers/tunnel/device.h"
#include "workers/tunnel/padding.h"

namespace nefia::wg {

void Device::sendPacket(std::span<const uint8_t> ipPacket) {
  const std::optional<PacketAddress> destination = packetDestination(ipPacket);
  Peer* peer = destination ? allowedIps_.lookup(*destination) : nullptr;
  if (peer == nullptr || ipPacket.size() > kMaxPacketSize) {
    ++counters_.noRoute;
    return;
  }
  const SteadyTime now = clock_.now();
  Keypair* current = peer->keypairs.current();
  if (peer->staged.empty() && current != nullptr && PeerTimers::canSendWith(*current, now)) {
    if (sendTransport(*peer, *current, ipPacket) && PeerTimers::shouldRekeyAfterSending(*current, now)) {
      sendHandshakeInitiation(*peer, false);
    }
    sender_.flush();
    return;
  }
  if (peer->staged.size() >= kMaxStagedPackets) {
    peer->staged.pop_front();
    ++counters_.stagedDropped;
  }
  peer->staged.emplace_back(ipPacket.begin(), ipPacket.end());
  sendStagedPackets(*peer);
  sender_.flush();
}

void Device::sendStagedPackets(Peer& peer) {
  const SteadyTime now = clock_.now();
  Keypair* current = peer.keypairs.current();
  if (current == nullptr || !PeerTimers::canSendWith(*current, now)) {
    sendHandshakeInitiation(peer, false);
    return;
  }
  while (!peer.staged.empty()) {
    if (!sendTransport(peer, *current, peer.staged.front())) return;
    peer.staged.pop_front();
  }
  if (PeerTimers::shouldRekeyAfterSending(*current, now)) sendHandshakeInitiation(peer, false);
}

void Device::sendKeepalive(Peer& peer) {
  if (!peer.staged.empty()) {
    sendStagedPackets(peer);
    return;
  }
  const SteadyTime now = clock_.now();
  Keypair* current = peer.keypairs.current();
  if (current == nullptr || !PeerTimers::canSendWith(*current, now)) {
    sendHandshakeInitiation(peer, false);
    return;
  }
  sendTransport(peer, *current, {});
}

void Device::sendHandshakeInitiation(Peer& peer, bool isRetry) {
  if (!isRetry) peer.timers.onFreshHandshakeRequested();
  const SteadyTime now = clock_.now();
  if (!peer.timers.mayInitiateHandshake(now)) return;
  if (!peer.endpoint) {
    ++counters_.noEndpoint;
    return;
  }
  releaseHandshakeIndex(peer);
  const uint32_t index = allocateIndex(peer);
  const Key32 ephemeral = generatePrivateKey();
  MessageInitiation message;
  if (!createInitiation(identity_, peer.handshake, ephemeral, Tai64n::fromWallClock(clock_.wallNow()), index,
                        message)) {
    freeIndex(index);
    return;
  }
  std::array<uint8_t, kMessageInitiationSize> wire;
  serialize(message, wire);
  peer.cookieGenerator.addMacs(wire, now);
  peer.timers.onAuthenticatedPacketTraversal(now);
  peer.timers.onAuthenticatedPacketSent();
  sendToPeer(peer, wire);
  peer.timers.onHandshakeInitiated(now);
}

void Device::sendHandshakeResponse(Peer& peer) {
  const SteadyTime now = clock_.now();
  const uint32_t index = allocateIndex(peer);
  const Key32 ephemeral = generatePrivateKey();
  MessageResponse message;
  SessionKeys keys;
  if (!createResponse(peer.handshake, ephemeral, index, message) || !deriveSessionKeys(peer.handshake, keys)) {
    freeIndex(index);
    peer.handshake.clear();
    return;
  }
  installSession(peer, keys);
  std::array<uint8_t, kMessageResponseSize> wire;
  serialize(message, wire);
  peer.cookieGenerator.addMacs(wire, now);
  peer.timers.onAuthenticatedPacketTraversal(now);
  peer.timers.onAuthenticatedPacketSent();
  sendToPeer(peer, wire);
}

bool Device::sendTransport(Peer& peer, Keypair& keypair, std::span<const uint8_t> ipPacket) {
  if (keypair.sendCounter >= kRejectAfterMessages) return false;
  const SteadyTime now = clock_.now();
  const std::size_t paddedSize = paddedPlaintextSize(ipPacket.size(), kTunnelMtu);
  uint8_t* body = sendBuffer_.data() + kMessageTransportHeaderSize;
  if (!ipPacket.empty()) std::memcpy(body, ipPacket.data(), ipPacket.size());
  std::memset(body + ipPacket.size(), 0, paddedSize - ipPacket.size());
  serialize(TransportHeader{keypair.remoteIndex, keypair.sendCounter},
            std::span<uint8_t, kMessageTransportHeaderSize>(sendBuffer_.data(), kMessageTransportHeaderSize));
  aeadSeal(keypair.sendKey, keypair.sendCounter, std::span<const uint8_t>(body, paddedSize), {}, body);
  ++keypair.sendCounter;
  if (!sendToPeer(peer, std::span<const uint8_t>(sendBuffer_.data(),
                                                  kMessageTransportHeaderSize + paddedSize + kAeadTagSize))) {
    return false;
  }
  if (!ipPacket.empty()) peer.timers.onDataSent(now);
  peer.timers.onAuthenticatedPacketTraversal(now);
  peer.timers.onAuthenticatedPacketSent();
  return true;
}

bool Device::sendToPeer(Peer& peer, std::span<const uint8_t> datagram) {
  if (!peer.endpoint) {
    ++counters_.noEndpoint;
    return false;
  }
  sender_.sendDatagram(*peer.endpoint, datagram);
  peer.txBytes += datagram.size();
  return true;
}

}  // namespace nefia::wg
