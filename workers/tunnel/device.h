// The user-space WireGuard device the tunnel worker drives: peers, the index table, allowed-IP routing, the
// cookie checker and the load estimate. Single-threaded: every call comes from the worker's event loop. Never
// throws, never logs key material, never allocates per packet once a session is up.
// Data path: send.cc (netstack -> UDP) and receive.cc (UDP -> netstack); timer policy: timers.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "workers/tunnel/allowed_ips.h"
#include "workers/tunnel/cookie.h"
#include "workers/tunnel/device_io.h"
#include "workers/tunnel/noise_protocol.h"
#include "workers/tunnel/peer.h"

namespace nefia::wg {

// Why packets were dropped or diverted, for the health report and for tests.
struct DeviceCounters {
  uint64_t malformedMessages = 0;      // wrong size/type for a WireGuard message
  uint64_t invalidMac1 = 0;            // handshake message not addressed to our key
  uint64_t cookieRepliesSent = 0;      // under load, mac2 missing or stale
  uint64_t handshakeDecryptFailed = 0;
  uint64_t unknownPeer = 0;            // valid initiation from a key we do not know
  uint64_t replayedHandshakes = 0;     // timestamp not newer than the last one
  uint64_t floodedHandshakes = 0;      // initiations closer than kHandshakeInitiationRate
  uint64_t handshakesCompleted = 0;
  uint64_t unknownIndex = 0;           // transport/response/cookie for no session of ours
  uint64_t expiredSession = 0;         // session older than kRejectAfterTime
  uint64_t transportDecryptFailed = 0;
  uint64_t replayedPackets = 0;        // counter seen before or left of the window
  uint64_t invalidInnerPackets = 0;    // decrypted payload is not a well-formed IP packet
  uint64_t allowedIpMismatch = 0;      // inner source not in the sending peer's allowed IPs
  uint64_t noRoute = 0;                // outbound destination matches no peer
  uint64_t noEndpoint = 0;             // peer has no endpoint yet (incoming-only)
  uint64_t stagedDropped = 0;          // staged queue full or handshake given up
  uint64_t stunDatagrams = 0;
  uint64_t unknownDatagrams = 0;
};

class Device {
 public:
  Device(const Key32& privateKey, Clock& clock, DatagramSender& sender, PacketReceiver& receiver);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Key rotation (SIGHUP): every session is dropped and peers with an endpoint re-handshake at once.
  void setPrivateKey(const Key32& privateKey);
  const Key32& publicKey() const { return identity_.publicKey; }

  // Adds a peer or updates one in place. A changed endpoint, allowed-IP list or keepalive keeps the sessions;
  // a changed preshared key drops them. Fails (and changes nothing) for an unusable public key.
  Status upsertPeer(const PeerConfig& config);
  void removePeer(const Key32& publicKey);

  enum class DatagramKind { kWireGuard, kStun, kUnknown };
  // Every public call ends with DatagramSender::flush(), so a batching sender sends at most one batch per call.
  // One received UDP datagram; decrypted in place. STUN (magic cookie 0x2112A442) is only classified, for the
  // caller to hand to its STUN client.
  DatagramKind receiveDatagram(const UdpEndpoint& from, std::span<uint8_t> datagram);
  // One IP packet from the netstack; sent at once when a session exists, else staged and a handshake started.
  void sendPacket(std::span<const uint8_t> ipPacket);

  std::optional<std::chrono::steady_clock::time_point> nextTimerDeadline() const;
  void runDueTimers();

  std::vector<PeerStatus> peerStatus() const;
  DeviceCounters counters() const { return counters_; }

 private:
  class PeerTimerActions;
  struct IndexEntry {
    Peer* peer;
  };

  Peer* findPeer(const uint8_t* publicKey32) const;
  uint32_t allocateIndex(Peer& peer);
  void freeIndex(uint32_t index);
  void releaseHandshakeIndex(Peer& peer);
  void zeroKeyMaterial(Peer& peer);
  void installSession(Peer& peer, SessionKeys& keys);
  void noteHandshakeCompleted(Peer& peer);
  bool underLoad(SteadyTime now);

  // send.cc, in pipeline order.
  void sendStagedPackets(Peer& peer);
  void sendKeepalive(Peer& peer);
  void sendHandshakeInitiation(Peer& peer, bool isRetry);
  void sendHandshakeResponse(Peer& peer);
  bool sendTransport(Peer& peer, Keypair& keypair, std::span<const uint8_t> ipPacket);
  bool sendToPeer(Peer& peer, std::span<const uint8_t> datagram);

  // receive.cc, in pipeline order.
  bool admitHandshakeMessage(const UdpEndpoint& from, std::span<const uint8_t> datagram, uint32_t senderIndex);
  void receiveInitiation(const UdpEndpoint& from, std::span<uint8_t> datagram);
  void receiveResponse(const UdpEndpoint& from, std::span<uint8_t> datagram);
  void receiveCookieReply(std::span<uint8_t> datagram);
  void receiveTransport(const UdpEndpoint& from, std::span<uint8_t> datagram);
  void deliverInner(Peer& peer, std::span<uint8_t> plaintext);

  StaticIdentity identity_;
  Clock& clock_;
  DatagramSender& sender_;
  PacketReceiver& receiver_;
  CookieChecker cookieChecker_;
  std::map<std::vector<uint8_t>, std::unique_ptr<Peer>> peers_;  // by public key
  std::unordered_map<uint32_t, IndexEntry> indices_;
  AllowedIps allowedIps_;
  DeviceCounters counters_;
  std::vector<uint8_t> sendBuffer_;  // one transport message, reused for every packet
  SteadyTime loadWindowStart_{};
  int handshakesInWindow_ = 0;
  std::optional<SteadyTime> underLoadUntil_;
};

}  // namespace nefia::wg
