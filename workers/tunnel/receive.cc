// Inbound pipeline (UDP -> netstack), dispatched by receiveDatagram on the message type:
//   1. Handshake messages: exact size, valid mac1; under load also a valid mac2, else answer with a cookie reply.
//   2. Initiation: decrypt the initiator's static key, find the peer, check the TAI64N timestamp and the flood
//      limit, adopt the sender's address (roaming), answer with a response and hold the new session as "next".
//   3. Response: match our pending initiation by index, complete the handshake, install the session as current,
//      send staged packets or a keepalive.
//   4. Cookie reply: match our last initiation by index and store the cookie for the next mac2.
//   5. Transport: find the session by index, reject expired sessions, decrypt in place, check the replay window,
//      confirm a "next" session, adopt the source address, then hand a well-formed inner packet whose source is
//      in the peer's allowed IPs to the netstack; keepalives stop at the timers.
#include <cstring>

#include "workers/tunnel/constants.h"
#include "workers/tunnel/device.h"

namespace nefia::wg {
namespace {

uint16_t readBe16(const uint8_t* bytes) { return static_cast<uint16_t>(bytes[0] << 8 | bytes[1]); }

// Length of the IP packet at the start of plaintext according to its own header (padding follows it).
std::optional<std::size_t> innerPacketLength(std::span<const uint8_t> plaintext) {
  const unsigned version = plaintext[0] >> 4;
  if (version == 4 && plaintext.size() >= 20) {
    const std::size_t length = readBe16(plaintext.data() + 2);
    if (length >= 20 && length <= plaintext.size()) return length;
  } else if (version == 6 && plaintext.size() >= 40) {
    const std::size_t length = 40 + std::size_t{readBe16(plaintext.data() + 4)};
    if (length <= plaintext.size()) return length;
  }
  return std::nullopt;
}

}  // namespace

bool Device::admitHandshakeMessage(const UdpEndpoint& from, std::span<const uint8_t> datagram, uint32_t senderIndex) {
  if (!cookieChecker_.checkMac1(datagram)) {
    ++counters_.invalidMac1;
    return false;
  }
  const SteadyTime now = clock_.now();
  if (underLoad(now) && !cookieChecker_.checkMac2(datagram, from, now)) {
    std::array<uint8_t, kMessageCookieReplySize> wire;
    serialize(cookieChecker_.createReply(datagram, senderIndex, from, now), wire);
    sender_.sendDatagram(from, wire);
    ++counters_.cookieRepliesSent;
    return false;
  }
  return true;
}

void Device::receiveInitiation(const UdpEndpoint& from, std::span<uint8_t> datagram) {
  const std::optional<MessageInitiation> message = parseInitiation(datagram);
  if (!message) {
    ++counters_.malformedMessages;
    return;
  }
  if (!admitHandshakeMessage(from, datagram, message->sender)) return;
  InitiationProgress progress;
  if (!beginConsumingInitiation(identity_, *message, progress)) {
    ++counters_.handshakeDecryptFailed;
    return;
  }
  Peer* peer = findPeer(progress.remoteStatic.data());
  if (peer == nullptr) {
    ++counters_.unknownPeer;
    return;
  }
  const SteadyTime now = clock_.now();
  const HandshakeState previousState = peer->handshake.state;
  const uint32_t previousIndex = peer->handshake.localIndex;
  switch (finishConsumingInitiation(progress, *message, peer->handshake, now)) {
    case ConsumeResult::kAccepted: break;
    case ConsumeResult::kDecryptFailed: ++counters_.handshakeDecryptFailed; return;
    case ConsumeResult::kReplayedTimestamp: ++counters_.replayedHandshakes; return;
    case ConsumeResult::kFlood: ++counters_.floodedHandshakes; return;
  }
  // Our own pending initiation (if any) was just superseded by the peer's: its index is free again.
  if (previousState == HandshakeState::kInitiationCreated || previousState == HandshakeState::kResponseCreated) {
    freeIndex(previousIndex);
  }
  peer->endpoint = from;
  peer->rxBytes += datagram.size();
  peer->timers.onAuthenticatedPacketTraversal(now);
  peer->timers.onAuthenticatedPacketReceived();
  sendHandshakeResponse(*peer);
}

void Device::receiveResponse(const UdpEndpoint& from, std::span<uint8_t> datagram) {
  const std::optional<MessageResponse> message = parseResponse(datagram);
  if (!message) {
    ++counters_.malformedMessages;
    return;
  }
  if (!admitHandshakeMessage(from, datagram, message->sender)) return;
  const auto entry = indices_.find(message->receiver);
  if (entry == indices_.end()) {
    ++counters_.unknownIndex;
    return;
  }
  Peer& peer = *entry->second.peer;
  if (!consumeResponse(identity_, peer.handshake, *message)) {
    ++counters_.handshakeDecryptFailed;
    return;
  }
  const SteadyTime now = clock_.now();
  peer.endpoint = from;
  peer.rxBytes += datagram.size();
  peer.timers.onAuthenticatedPacketTraversal(now);
  peer.timers.onAuthenticatedPacketReceived();
  SessionKeys keys;
  if (!deriveSessionKeys(peer.handshake, keys)) return;
  installSession(peer, keys);
  peer.timers.onHandshakeComplete();
  noteHandshakeCompleted(peer);
  sendKeepalive(peer);
}

void Device::receiveCookieReply(std::span<uint8_t> datagram) {
  const std::optional<MessageCookieReply> message = parseCookieReply(datagram);
  if (!message) {
    ++counters_.malformedMessages;
    return;
  }
  const auto entry = indices_.find(message->receiver);
  if (entry == indices_.end()) {
    ++counters_.unknownIndex;
    return;
  }
  if (!entry->second.peer->cookieGenerator.consumeReply(*message, clock_.now())) ++counters_.handshakeDecryptFailed;
}

void Device::receiveTransport(const UdpEndpoint& from, std::span<uint8_t> datagram) {
  const std::optional<TransportHeader> header = parseTransportHeader(datagram);
  if (!header) {
    ++counters_.malformedMessages;
    return;
  }
  const auto entry = indices_.find(header->receiver);
  Keypair* keypair = nullptr;
  Peer* peer = entry == indices_.end() ? nullptr : entry->second.peer;
  if (peer != nullptr) {
    for (Keypair* candidate : {peer->keypairs.current(), peer->keypairs.previous(), peer->keypairs.next()}) {
      if (candidate != nullptr && candidate->localIndex == header->receiver) keypair = candidate;
    }
  }
  if (keypair == nullptr) {
    ++counters_.unknownIndex;
    return;
  }
  const SteadyTime now = clock_.now();
  if (!PeerTimers::canReceiveWith(*keypair, now)) {
    ++counters_.expiredSession;
    return;
  }
  const std::span<uint8_t> ciphertext = datagram.subspan(kMessageTransportHeaderSize);
  if (!aeadOpen(keypair->receiveKey, header->counter, ciphertext, {}, ciphertext.data())) {
    ++counters_.transportDecryptFailed;
    return;
  }
  if (!keypair->replayWindow.accept(header->counter)) {
    ++counters_.replayedPackets;
    return;
  }
  uint32_t droppedIndex = 0;
  if (peer->keypairs.confirm(keypair, droppedIndex)) {
    freeIndex(droppedIndex);
    peer->timers.onHandshakeComplete();
    noteHandshakeCompleted(*peer);
    sendStagedPackets(*peer);
  }
  Keypair* current = peer->keypairs.current();
  if (current != nullptr && peer->timers.shouldRekeyAfterReceiving(*current, now)) {
    sendHandshakeInitiation(*peer, false);
  }
  peer->timers.onAuthenticatedPacketTraversal(now);
  peer->timers.onAuthenticatedPacketReceived();
  peer->endpoint = from;
  peer->rxBytes += datagram.size();
  const std::span<uint8_t> plaintext = ciphertext.first(ciphertext.size() - kAeadTagSize);
  if (plaintext.empty()) return;  // keepalive
  deliverInner(*peer, plaintext);
}

void Device::deliverInner(Peer& peer, std::span<uint8_t> plaintext) {
  peer.timers.onDataReceived(clock_.now());
  const std::optional<std::size_t> length = innerPacketLength(plaintext);
  if (!length) {
    ++counters_.invalidInnerPackets;
    return;
  }
  const std::span<const uint8_t> packet = plaintext.first(*length);
  const std::optional<PacketAddress> source = packetSource(packet);
  if (!source || allowedIps_.lookup(*source) != &peer) {
    ++counters_.allowedIpMismatch;
    return;
  }
  receiver_.deliverPacket(packet);
}

}  // namespace nefia::wg
