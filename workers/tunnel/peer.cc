// Peer construction and identity binding. Must never log the preshared key or the static-static secret.
#include "workers/tunnel/peer.h"

#include "workers/tunnel/constants.h"

namespace nefia::wg {

const char* toString(PeerState state) {
  switch (state) {
    case PeerState::kIdle: return "idle";
    case PeerState::kHandshaking: return "handshaking";
    case PeerState::kEstablished: return "established";
  }
  return "unknown";
}

Peer::Peer(const PeerConfig& peerConfig, const StaticIdentity& local)
    : config(peerConfig), endpoint(peerConfig.endpoint), cookieGenerator(peerConfig.publicKey) {
  handshake.remoteStatic = config.publicKey;
  if (config.presharedKey) handshake.presharedKey = *config.presharedKey;
  bindToIdentity(local);
  timers.setPersistentKeepalive(effectivePersistentKeepalive());
}

bool Peer::bindToIdentity(const StaticIdentity& local) {
  if (!sharedSecret(local.privateKey, config.publicKey.data(), handshake.precomputedStaticStatic)) {
    handshake.precomputedStaticStatic.wipe();
    return false;
  }
  return true;
}

std::chrono::seconds Peer::effectivePersistentKeepalive() const {
  if (config.persistentKeepalive) return *config.persistentKeepalive;
  return config.endpoint ? kDefaultPersistentKeepalive : std::chrono::seconds(0);
}

}  // namespace nefia::wg
