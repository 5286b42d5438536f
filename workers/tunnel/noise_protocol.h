// Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it: building and consuming handshake initiations and
// responses, and deriving the transport keys. Pure functions over a Handshake: no clock, no randomness, no I/O
// (callers pass ephemerals, timestamps and indices), so tests can pin every input. Never logs key material.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "workers/tunnel/crypto.h"
#include "workers/tunnel/messages.h"
#include "workers/tunnel/tai64n.h"

namespace nefia::wg {

struct StaticIdentity {
  Key32 privateKey;
  Key32 publicKey;
};

enum class HandshakeState { kZeroed, kInitiationCreated, kInitiationConsumed, kResponseCreated, kResponseConsumed };
const char* toString(HandshakeState state);

// Per-peer handshake state. The peer's static key, preshared key and the precomputed static-static DH are set
// when the peer is configured; the rest belongs to one handshake and is wiped by deriveSessionKeys/clear.
struct Handshake {
  HandshakeState state = HandshakeState::kZeroed;
  Key32 hash;
  Key32 chainingKey;
  Key32 localEphemeral;
  Key32 remoteEphemeral;
  uint32_t localIndex = 0;
  uint32_t remoteIndex = 0;
  Key32 remoteStatic;
  Key32 presharedKey;
  Key32 precomputedStaticStatic;
  Tai64n latestTimestamp;  // newest timestamp accepted from this peer (replay protection)
  std::optional<std::chrono::steady_clock::time_point> lastInitiationConsumed;  // flood protection

  void clear();  // wipes the per-handshake secrets, keeps peer identity and replay state
};

// Initiator: message 1. Fails only if the peer's static key is a low-order point.
bool createInitiation(const StaticIdentity& local, Handshake& handshake, const Key32& ephemeralPrivate,
                      const Tai64n& timestamp, uint32_t senderIndex, MessageInitiation& out);

// Responder, first half of consuming message 1: recovers the initiator's static key so the device can find the
// peer. The result carries the intermediate hash and chaining key to finishConsumingInitiation.
struct InitiationProgress {
  Key32 hash;
  Key32 chainingKey;
  Key32 remoteStatic;
};
bool beginConsumingInitiation(const StaticIdentity& local, const MessageInitiation& message,
                              InitiationProgress& progress);

enum class ConsumeResult { kAccepted, kDecryptFailed, kReplayedTimestamp, kFlood };
const char* toString(ConsumeResult result);
// Second half: decrypts the timestamp with the peer's static-static secret, rejects a timestamp that is not newer
// than the last accepted one and initiations closer than kHandshakeInitiationRate; on success the handshake is in
// kInitiationConsumed.
ConsumeResult finishConsumingInitiation(InitiationProgress& progress, const MessageInitiation& message,
                                        Handshake& handshake, std::chrono::steady_clock::time_point now);

// Responder: message 2 for a handshake in kInitiationConsumed.
bool createResponse(Handshake& handshake, const Key32& ephemeralPrivate, uint32_t senderIndex, MessageResponse& out);

// Initiator: consumes message 2 for a handshake in kInitiationCreated (matched by message.receiver).
bool consumeResponse(const StaticIdentity& local, Handshake& handshake, const MessageResponse& message);

// Transport keys from a completed handshake (kResponseCreated or kResponseConsumed); wipes the handshake.
struct SessionKeys {
  Key32 sendKey;
  Key32 receiveKey;
  bool isInitiator = false;
  uint32_t localIndex = 0;
  uint32_t remoteIndex = 0;
};
bool deriveSessionKeys(Handshake& handshake, SessionKeys& out);

}  // namespace nefia::wg
