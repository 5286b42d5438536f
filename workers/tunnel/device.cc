// Device bookkeeping: configuration (keys, peers), the index table, session installation, load estimate,
// timer dispatch and status. Protocol steps live in send.cc/receive.cc, timer rules in timers.cc.
// Must never log keys: peers are named by their base64 public key only.
#include "workers/tunnel/device.h"

#include <algorithm>

#include "common/base64.h"
#include "common/log.h"
#include "workers/tunnel/constants.h"

namespace nefia::wg {
namespace {

constexpr char kComponent[] = "tunnel";

std::vector<uint8_t> keyBytes(const uint8_t* key32) { return std::vector<uint8_t>(key32, key32 + kKeySize); }

std::string keyText(const Key32& publicKey) { return base64Encode(publicKey.data(), publicKey.size()); }

bool sameOptionalKey(const std::optional<Key32>& a, const std::optional<Key32>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || a->equals(*b);
}

}  // namespace

// Binds a peer to the device for the duration of one fireDue call.
class Device::PeerTimerActions final : public TimerActions {
 public:
  PeerTimerActions(Device& device, Peer& peer) : device_(device), peer_(peer) {}
  void retransmitHandshake() override { device_.sendHandshakeInitiation(peer_, true); }
  void giveUpHandshake() override {
    device_.counters_.stagedDropped += peer_.staged.size();
    peer_.staged.clear();
    logInfo(kComponent, "peer ", keyText(peer_.config.publicKey), ": no handshake answer after ",
            kRekeyAttemptTime.count(), " s; giving up until new traffic");
  }
  void sendKeepalive() override { device_.sendKeepalive(peer_); }
  void initiateHandshake() override { device_.sendHandshakeInitiation(peer_, false); }
  void zeroKeyMaterial() override { device_.zeroKeyMaterial(peer_); }

 private:
  Device& device_;
  Peer& peer_;
};

Device::Device(const Key32& privateKey, Clock& clock, DatagramSender& sender, PacketReceiver& receiver)
    : clock_(clock),
      sender_(sender),
      receiver_(receiver),
      cookieChecker_(publicKeyFor(privateKey)),
      sendBuffer_(kMessageTransportHeaderSize + kMaxPacketSize + kPaddingMultiple + kAeadTagSize) {
  initializeCrypto();
  identity_.privateKey = privateKey;
  identity_.publicKey = publicKeyFor(privateKey);
}

Device::~Device() {
  for (auto& [key, peer] : peers_) zeroKeyMaterial(*peer);
}

void Device::setPrivateKey(const Key32& privateKey) {
  identity_.privateKey = privateKey;
  identity_.publicKey = publicKeyFor(privateKey);
  cookieChecker_.setLocalPublicKey(identity_.publicKey);
  for (auto& [key, peer] : peers_) {
    zeroKeyMaterial(*peer);
    if (!peer->bindToIdentity(identity_)) {
      logWarn(kComponent, "peer ", keyText(peer->config.publicKey),
              ": no usable shared secret with the new private key; the peer stays down");
      continue;
    }
    peer->timers.onKeysReplaced();
    if (peer->endpoint) sendHandshakeInitiation(*peer, false);
  }
  sender_.flush();
}

Status Device::upsertPeer(const PeerConfig& config) {
  if (config.publicKey.equals(identity_.publicKey)) {
    return makeError("peer " + keyText(config.publicKey) +
                     ": public key is the agent's own key; set peers[].public_key to the operator's key");
  }
  Peer* existing = findPeer(config.publicKey.data());
  if (existing == nullptr) {
    auto peer = std::make_unique<Peer>(config, identity_);
    if (peer->handshake.precomputedStaticStatic.isZero()) {
      return makeError("peer " + keyText(config.publicKey) +
                       ": public key is not a usable X25519 key; check peers[].public_key in the config");
    }
    Peer& added = *peer;
    peers_.emplace(keyBytes(config.publicKey.data()), std::move(peer));
    for (const IpPrefix& prefix : config.allowedIps) allowedIps_.insert(prefix, &added);
    // An agent behind NAT must open the path itself: start the handshake now rather than at the first keepalive.
    if (added.endpoint && added.effectivePersistentKeepalive().count() > 0) sendKeepalive(added);
    sender_.flush();
    return Status::success();
  }

  Peer& peer = *existing;
  const bool pskChanged = !sameOptionalKey(peer.config.presharedKey, config.presharedKey);
  if (config.allowedIps != peer.config.allowedIps) {
    allowedIps_.removePeer(&peer);
    for (const IpPrefix& prefix : config.allowedIps) allowedIps_.insert(prefix, &peer);
  }
  // A new configured endpoint wins; an unchanged or absent one keeps the address the peer roamed to.
  if (config.endpoint && !(peer.config.endpoint && *peer.config.endpoint == *config.endpoint)) {
    peer.endpoint = config.endpoint;
  }
  const bool keepaliveWasOff = peer.effectivePersistentKeepalive().count() == 0;
  peer.config = config;
  peer.timers.setPersistentKeepalive(peer.effectivePersistentKeepalive());
  if (pskChanged) {
    zeroKeyMaterial(peer);
    peer.handshake.presharedKey.wipe();
    if (config.presharedKey) peer.handshake.presharedKey = *config.presharedKey;
    peer.timers.onKeysReplaced();
    if (peer.endpoint) sendHandshakeInitiation(peer, false);
  } else if (keepaliveWasOff && peer.endpoint && peer.effectivePersistentKeepalive().count() > 0) {
    sendKeepalive(peer);  // as wireguard-go does when persistent keepalive is switched on: start the cadence now
  }
  sender_.flush();
  return Status::success();
}

void Device::removePeer(const Key32& publicKey) {
  Peer* peer = findPeer(publicKey.data());
  if (peer == nullptr) return;
  zeroKeyMaterial(*peer);
  allowedIps_.removePeer(peer);
  std::erase_if(indices_, [&](const auto& entry) { return entry.second.peer == peer; });
  peers_.erase(keyBytes(publicKey.data()));
}

Peer* Device::findPeer(const uint8_t* publicKey32) const {
  const auto found = peers_.find(keyBytes(publicKey32));
  return found == peers_.end() ? nullptr : found->second.get();
}

uint32_t Device::allocateIndex(Peer& peer) {
  for (;;) {
    uint32_t index = 0;
    randomBytes(reinterpret_cast<uint8_t*>(&index), sizeof(index));
    if (index != 0 && indices_.emplace(index, IndexEntry{&peer}).second) return index;
  }
}

void Device::freeIndex(uint32_t index) {
  if (index != 0) indices_.erase(index);
}

void Device::releaseHandshakeIndex(Peer& peer) {
  if (peer.handshake.state == HandshakeState::kInitiationCreated ||
      peer.handshake.state == HandshakeState::kResponseCreated) {
    freeIndex(peer.handshake.localIndex);
  }
}

void Device::zeroKeyMaterial(Peer& peer) {
  for (const Keypair* keypair : {peer.keypairs.previous(), peer.keypairs.current(), peer.keypairs.next()}) {
    if (keypair != nullptr) freeIndex(keypair->localIndex);
  }
  peer.keypairs.clear();
  releaseHandshakeIndex(peer);
  peer.handshake.clear();
}

void Device::installSession(Peer& peer, SessionKeys& keys) {
  auto keypair = std::make_unique<Keypair>();
  keypair->sendKey = keys.sendKey;
  keypair->receiveKey = keys.receiveKey;
  keypair->created = clock_.now();
  keypair->isInitiator = keys.isInitiator;
  keypair->localIndex = keys.localIndex;
  keypair->remoteIndex = keys.remoteIndex;
  const Keypairs::Dropped dropped = peer.keypairs.install(std::move(keypair));
  freeIndex(dropped.first);
  freeIndex(dropped.second);
  peer.timers.onSessionDerived(clock_.now());
}

// Operators see a peer come up (or back) once at info level; the rekey every two minutes stays at debug level.
void Device::noteHandshakeCompleted(Peer& peer) {
  const auto wallNow = clock_.wallNow();
  const bool wasUp = peer.lastHandshake && wallNow - *peer.lastHandshake < kRejectAfterTime;
  peer.lastHandshake = wallNow;
  ++counters_.handshakesCompleted;
  const std::string endpointText = peer.endpoint ? peer.endpoint->toString() : std::string("(none)");
  if (wasUp) {
    logDebug(kComponent, "peer ", keyText(peer.config.publicKey), ": session rekeyed");
  } else {
    logInfo(kComponent, "peer ", keyText(peer.config.publicKey), ": session established, endpoint ", endpointText);
  }
}

bool Device::underLoad(SteadyTime now) {
  if (now - loadWindowStart_ >= std::chrono::seconds(1)) {
    loadWindowStart_ = now;
    handshakesInWindow_ = 0;
  }
  if (++handshakesInWindow_ > kUnderLoadHandshakesPerSecond) underLoadUntil_ = now + kUnderLoadAfterTime;
  return underLoadUntil_ && now < *underLoadUntil_;
}

Device::DatagramKind Device::receiveDatagram(const UdpEndpoint& from, std::span<uint8_t> datagram) {
  const std::optional<uint32_t> type = messageType(datagram);
  DatagramKind kind = DatagramKind::kWireGuard;
  if (type == kMessageTransportType && datagram.size() >= kMessageTransportMinSize) {
    receiveTransport(from, datagram);
  } else if (type == kMessageInitiationType && datagram.size() == kMessageInitiationSize) {
    receiveInitiation(from, datagram);
  } else if (type == kMessageResponseType && datagram.size() == kMessageResponseSize) {
    receiveResponse(from, datagram);
  } else if (type == kMessageCookieReplyType && datagram.size() == kMessageCookieReplySize) {
    receiveCookieReply(datagram);
  } else if (datagram.size() >= 20 && (datagram[0] & 0xc0) == 0 &&
             (uint32_t{datagram[4]} << 24 | uint32_t{datagram[5]} << 16 | uint32_t{datagram[6]} << 8 |
              uint32_t{datagram[7]}) == kStunMagicCookie) {
    ++counters_.stunDatagrams;
    kind = DatagramKind::kStun;
  } else {
    ++counters_.unknownDatagrams;
    kind = DatagramKind::kUnknown;
  }
  sender_.flush();
  return kind;
}

std::optional<std::chrono::steady_clock::time_point> Device::nextTimerDeadline() const {
  std::optional<SteadyTime> earliest;
  for (const auto& [key, peer] : peers_) {
    const std::optional<SteadyTime> deadline = peer->timers.nextDeadline();
    if (deadline && (!earliest || *deadline < *earliest)) earliest = deadline;
  }
  return earliest;
}

void Device::runDueTimers() {
  const SteadyTime now = clock_.now();
  for (auto& [key, peer] : peers_) {
    PeerTimerActions actions(*this, *peer);
    peer->timers.fireDue(now, actions);
  }
  sender_.flush();
}

std::vector<PeerStatus> Device::peerStatus() const {
  std::vector<PeerStatus> statuses;
  const SteadyTime now = clock_.now();
  for (const auto& [key, peer] : peers_) {
    PeerStatus status;
    status.publicKey = keyText(peer->config.publicKey);
    if (peer->endpoint) status.endpoint = peer->endpoint->toString();
    status.lastHandshake = peer->lastHandshake;
    status.rxBytes = peer->rxBytes;
    status.txBytes = peer->txBytes;
    const Keypair* current = peer->keypairs.current();
    if (current != nullptr && PeerTimers::canSendWith(*current, now)) {
      status.state = PeerState::kEstablished;
    } else if (peer->timers.deadline(TimerKind::kRetransmitHandshake)) {
      status.state = PeerState::kHandshaking;
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

}  // namespace nefia::wg
