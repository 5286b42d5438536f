// One operator peer: its configuration, handshake, sessions, cookie state, timers, staged packets and counters.
// Owned and mutated only by Device (single-threaded, the worker's loop); holds no behaviour of its own beyond
// configuration, so that protocol logic stays in send/receive/timers.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "workers/tunnel/allowed_ips.h"
#include "workers/tunnel/cookie.h"
#include "workers/tunnel/endpoint.h"
#include "workers/tunnel/keypair.h"
#include "workers/tunnel/noise_protocol.h"
#include "workers/tunnel/timers.h"

namespace nefia::wg {

struct PeerConfig {
  Key32 publicKey;
  std::optional<Key32> presharedKey;
  std::optional<UdpEndpoint> endpoint;  // empty for incoming-only peers
  std::vector<IpPrefix> allowedIps;     // the peer's vpn_addr as /32 or /128, or any prefixes
  // nullopt: kDefaultPersistentKeepalive when the peer has an endpoint, else off. 0 s: off.
  std::optional<std::chrono::seconds> persistentKeepalive;
};

enum class PeerState { kIdle, kHandshaking, kEstablished };
const char* toString(PeerState state);

struct PeerStatus {
  std::string publicKey;  // base64
  std::string endpoint;   // "ip:port" or empty
  std::optional<std::chrono::system_clock::time_point> lastHandshake;
  uint64_t rxBytes = 0;
  uint64_t txBytes = 0;
  PeerState state = PeerState::kIdle;
};

class Peer {
 public:
  Peer(const PeerConfig& config, const StaticIdentity& local);

  // Recomputes the static-static secret for our (new) key; false when the peer's key is a low-order point.
  bool bindToIdentity(const StaticIdentity& local);
  std::chrono::seconds effectivePersistentKeepalive() const;

  PeerConfig config;
  std::optional<UdpEndpoint> endpoint;  // where we send now: the configured one, then wherever the peer roamed
  Handshake handshake;
  CookieGenerator cookieGenerator;
  Keypairs keypairs;
  PeerTimers timers;
  std::deque<std::vector<uint8_t>> staged;  // IP packets waiting for a session
  std::optional<std::chrono::system_clock::time_point> lastHandshake;
  uint64_t rxBytes = 0;
  uint64_t txBytes = 0;
};

}  // namespace nefia::wg
