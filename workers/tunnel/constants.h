// WireGuard protocol constants (whitepaper section 6 and wireguard-go device/constants.go), in one place.
// Never hard-code one of these numbers elsewhere; timer policy that uses them lives only in timers.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace nefia::wg {

using namespace std::chrono_literals;

// Start a new handshake (as initiator) once the current session has carried this many messages.
inline constexpr uint64_t kRekeyAfterMessages = uint64_t{1} << 60;
// Refuse to use a session for a single message more: a counter this high could wrap the nonce space.
inline constexpr uint64_t kRejectAfterMessages = std::numeric_limits<uint64_t>::max() - (uint64_t{1} << 13);
// Start a new handshake (as initiator) once the current session is this old.
inline constexpr std::chrono::seconds kRekeyAfterTime = 120s;
// Keep retrying a handshake for this long, then give up until new data arrives.
inline constexpr std::chrono::seconds kRekeyAttemptTime = 90s;
// Retransmit an unanswered handshake initiation after this long (plus jitter).
inline constexpr std::chrono::seconds kRekeyTimeout = 5s;
// Upper bound of the random jitter added to each retransmission (exclusive).
inline constexpr std::chrono::milliseconds kRekeyTimeoutJitterMax = 334ms;
// Number of retransmissions that fit in kRekeyAttemptTime.
inline constexpr int kMaxHandshakeAttempts = static_cast<int>(kRekeyAttemptTime / kRekeyTimeout);
// A session older than this is never used to send or receive again.
inline constexpr std::chrono::seconds kRejectAfterTime = 180s;
// Send an empty keepalive this long after receiving data that we did not answer.
inline constexpr std::chrono::seconds kKeepaliveTimeout = 10s;
// A responder's cookie (and its secret) is rotated this often; a stored cookie is used this long.
inline constexpr std::chrono::seconds kCookieRefreshTime = 120s;
// Minimum gap between two initiations accepted from the same peer (flood protection).
inline constexpr std::chrono::milliseconds kHandshakeInitiationRate = 20ms;
// Wipe every key of a peer this long after the last session was derived (3 x reject-after-time).
inline constexpr std::chrono::seconds kZeroKeyMaterialAfter = kRejectAfterTime * 3;
// Initiator re-handshakes on receive when its session is this old, to avoid a dead period at 180 s.
inline constexpr std::chrono::seconds kRekeyOnReceiveAge = kRejectAfterTime - kKeepaliveTimeout - kRekeyTimeout;
// Persistent keepalive for a peer with an endpoint when its config says nothing (the agent sits behind NAT).
inline constexpr std::chrono::seconds kDefaultPersistentKeepalive = 25s;
// Handshake messages per second above which the device is "under load" and demands cookies (mac2).
inline constexpr int kUnderLoadHandshakesPerSecond = 128;
// How long the device stays under load after the rate was last exceeded.
inline constexpr std::chrono::seconds kUnderLoadAfterTime = 1s;
// Packets held per peer while a handshake is in progress; older ones are dropped first.
inline constexpr std::size_t kMaxStagedPackets = 128;

// Message types and sizes on the wire (all integers little-endian).
inline constexpr uint32_t kMessageInitiationType = 1;
inline constexpr uint32_t kMessageResponseType = 2;
inline constexpr uint32_t kMessageCookieReplyType = 3;
inline constexpr uint32_t kMessageTransportType = 4;
inline constexpr std::size_t kMessageInitiationSize = 148;
inline constexpr std::size_t kMessageResponseSize = 92;
inline constexpr std::size_t kMessageCookieReplySize = 64;
inline constexpr std::size_t kMessageTransportHeaderSize = 16;
inline constexpr std::size_t kAeadTagSize = 16;
inline constexpr std::size_t kMessageTransportMinSize = kMessageTransportHeaderSize + kAeadTagSize;  // a keepalive
// Plaintext of a transport message is padded to a multiple of this.
inline constexpr std::size_t kPaddingMultiple = 16;
// MTU of the tunnel (the forwarder's netstack MTU, forwarder::kDefaultMtu: the supervisor checks they agree):
// padding never makes a packet's plaintext longer than this.
inline constexpr std::size_t kTunnelMtu = 1420;
// Largest IP packet the device accepts from the netstack or delivers to it (the netstack MTU is 1420).
inline constexpr std::size_t kMaxPacketSize = 65535;
// Replay window (RFC 6479 bitmap): blocks of 64 bits; the usable window is (blocks - 1) * 64 packets.
inline constexpr std::size_t kReplayWindowBlocks = 64;

// Noise parameters (the handshake's protocol name and WireGuard's prologue) and MAC labels.
inline constexpr char kNoiseConstruction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
inline constexpr char kWireGuardIdentifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
inline constexpr char kLabelMac1[] = "mac1----";
inline constexpr char kLabelCookie[] = "cookie--";

// STUN messages share the UDP port; their magic cookie sits at bytes 4..7 (RFC 5389).
inline constexpr uint32_t kStunMagicCookie = 0x2112A442;

}  // namespace nefia::wg
