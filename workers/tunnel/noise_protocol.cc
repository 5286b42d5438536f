// The IKpsk2 message sequence (whitepaper section 5.4.2-5.4.4). Each step mirrors one line of the paper so a
// reviewer can check it against the spec; the independent Python computation in tests/workers/tunnel/ pins it.
// Must never leave a half-updated Handshake behind: state is written only after every check passed.
#include "workers/tunnel/noise_protocol.h"

#include <cstring>
#include <string_view>

#include "workers/tunnel/constants.h"

namespace nefia::wg {
namespace {

Bytes textBytes(std::string_view text) { return Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }

// Ci = HASH(construction); Hi = HASH(Ci || identifier): the same for every handshake, computed once.
struct InitialState {
  Key32 chainingKey;
  Key32 hash;
  InitialState() {
    blake2s256(textBytes(kNoiseConstruction), {}, chainingKey.data());
    blake2s256(bytesOf(chainingKey), textBytes(kWireGuardIdentifier), hash.data());
  }
};

const InitialState& initialState() {
  static const InitialState state;
  return state;
}

void mixHash(Key32& hash, Bytes data) { blake2s256(bytesOf(hash), data, hash.data()); }

void mixKey(Key32& chainingKey, Bytes data) { kdf1(bytesOf(chainingKey), data, chainingKey); }

template <std::size_t N>
Bytes arrayBytes(const std::array<uint8_t, N>& array) {
  return Bytes(array.data(), N);
}

}  // namespace

const char* toString(HandshakeState state) {
  switch (state) {
    case HandshakeState::kZeroed: return "zeroed";
    case HandshakeState::kInitiationCreated: return "initiation-created";
    case HandshakeState::kInitiationConsumed: return "initiation-consumed";
    case HandshakeState::kResponseCreated: return "response-created";
    case HandshakeState::kResponseConsumed: return "response-consumed";
  }
  return "unknown";
}

const char* toString(ConsumeResult result) {
  switch (result) {
    case ConsumeResult::kAccepted: return "accepted";
    case ConsumeResult::kDecryptFailed: return "decrypt-failed";
    case ConsumeResult::kReplayedTimestamp: return "replayed-timestamp";
    case ConsumeResult::kFlood: return "flood";
  }
  return "unknown";
}

void Handshake::clear() {
  state = HandshakeState::kZeroed;
  hash.wipe();
  chainingKey.wipe();
  localEphemeral.wipe();
  remoteEphemeral.wipe();
  localIndex = 0;
  remoteIndex = 0;
}

bool createInitiation(const StaticIdentity& local, Handshake& handshake, const Key32& ephemeralPrivate,
                      const Tai64n& timestamp, uint32_t senderIndex, MessageInitiation& out) {
  if (handshake.precomputedStaticStatic.isZero()) return false;
  Key32 hash = initialState().hash;
  Key32 chainingKey = initialState().chainingKey;
  mixHash(hash, bytesOf(handshake.remoteStatic));

  const Key32 ephemeralPublic = publicKeyFor(ephemeralPrivate);
  std::memcpy(out.ephemeral.data(), ephemeralPublic.data(), kKeySize);
  mixKey(chainingKey, arrayBytes(out.ephemeral));
  mixHash(hash, arrayBytes(out.ephemeral));

  Key32 sharedEphemeralStatic;
  if (!sharedSecret(ephemeralPrivate, handshake.remoteStatic.data(), sharedEphemeralStatic)) return false;
  Key32 key;
  kdf2(bytesOf(chainingKey), bytesOf(sharedEphemeralStatic), chainingKey, key);
  aeadSeal(key, 0, bytesOf(local.publicKey), bytesOf(hash), out.encryptedStatic.data());
  mixHash(hash, arrayBytes(out.encryptedStatic));

  kdf2(bytesOf(chainingKey), bytesOf(handshake.precomputedStaticStatic), chainingKey, key);
  aeadSeal(key, 0, arrayBytes(timestamp.bytes()), bytesOf(hash), out.encryptedTimestamp.data());
  mixHash(hash, arrayBytes(out.encryptedTimestamp));

  out.sender = senderIndex;
  handshake.hash = hash;
  handshake.chainingKey = chainingKey;
  handshake.localEphemeral = ephemeralPrivate;
  handshake.localIndex = senderIndex;
  handshake.state = HandshakeState::kInitiationCreated;
  return true;
}

bool beginConsumingInitiation(const StaticIdentity& local, const MessageInitiation& message,
                              InitiationProgress& progress) {
  progress.hash = initialState().hash;
  progress.chainingKey = initialState().chainingKey;
  mixHash(progress.hash, bytesOf(local.publicKey));
  mixHash(progress.hash, arrayBytes(message.ephemeral));
  mixKey(progress.chainingKey, arrayBytes(message.ephemeral));

  Key32 sharedStaticEphemeral;
  if (!sharedSecret(local.privateKey, message.ephemeral.data(), sharedStaticEphemeral)) return false;
  Key32 key;
  kdf2(bytesOf(progress.chainingKey), bytesOf(sharedStaticEphemeral), progress.chainingKey, key);
  if (!aeadOpen(key, 0, arrayBytes(message.encryptedStatic), bytesOf(progress.hash), progress.remoteStatic.data())) {
    return false;
  }
  mixHash(progress.hash, arrayBytes(message.encryptedStatic));
  return true;
}

ConsumeResult finishConsumingInitiation(InitiationProgress& progress, const MessageInitiation& message,
                                        Handshake& handshake, std::chrono::steady_clock::time_point now) {
  if (handshake.precomputedStaticStatic.isZero()) return ConsumeResult::kDecryptFailed;
  Key32 key;
  kdf2(bytesOf(progress.chainingKey), bytesOf(handshake.precomputedStaticStatic), progress.chainingKey, key);
  std::array<uint8_t, kTimestampSize> timestampBytes{};
  if (!aeadOpen(key, 0, arrayBytes(message.encryptedTimestamp), bytesOf(progress.hash), timestampBytes.data())) {
    return ConsumeResult::kDecryptFailed;
  }
  mixHash(progress.hash, arrayBytes(message.encryptedTimestamp));

  const Tai64n timestamp = Tai64n::fromBytes(timestampBytes.data());
  if (!timestamp.isNewerThan(handshake.latestTimestamp)) return ConsumeResult::kReplayedTimestamp;
  if (handshake.lastInitiationConsumed && now - *handshake.lastInitiationConsumed < kHandshakeInitiationRate) {
    return ConsumeResult::kFlood;
  }

  handshake.hash = progress.hash;
  handshake.chainingKey = progress.chainingKey;
  std::memcpy(handshake.remoteEphemeral.data(), message.ephemeral.data(), kKeySize);
  handshake.remoteIndex = message.sender;
  handshake.latestTimestamp = timestamp;
  handshake.lastInitiationConsumed = now;
  handshake.state = HandshakeState::kInitiationConsumed;
  return ConsumeResult::kAccepted;
}

bool createResponse(Handshake& handshake, const Key32& ephemeralPrivate, uint32_t senderIndex, MessageResponse& out) {
  if (handshake.state != HandshakeState::kInitiationConsumed) return false;
  Key32 hash = handshake.hash;
  Key32 chainingKey = handshake.chainingKey;

  const Key32 ephemeralPublic = publicKeyFor(ephemeralPrivate);
  std::memcpy(out.ephemeral.data(), ephemeralPublic.data(), kKeySize);
  mixHash(hash, arrayBytes(out.ephemeral));
  mixKey(chainingKey, arrayBytes(out.ephemeral));

  Key32 shared;
  if (!sharedSecret(ephemeralPrivate, handshake.remoteEphemeral.data(), shared)) return false;
  mixKey(chainingKey, bytesOf(shared));
  if (!sharedSecret(ephemeralPrivate, handshake.remoteStatic.data(), shared)) return false;
  mixKey(chainingKey, bytesOf(shared));

  Key32 tau;
  Key32 key;
  kdf3(bytesOf(chainingKey), bytesOf(handshake.presharedKey), chainingKey, tau, key);
  mixHash(hash, bytesOf(tau));
  aeadSeal(key, 0, {}, bytesOf(hash), out.encryptedNothing.data());
  mixHash(hash, arrayBytes(out.encryptedNothing));

  out.sender = senderIndex;
  out.receiver = handshake.remoteIndex;
  handshake.hash = hash;
  handshake.chainingKey = chainingKey;
  handshake.localEphemeral = ephemeralPrivate;
  handshake.localIndex = senderIndex;
  handshake.state = HandshakeState::kResponseCreated;
  return true;
}

bool consumeResponse(const StaticIdentity& local, Handshake& handshake, const MessageResponse& message) {
  if (handshake.state != HandshakeState::kInitiationCreated || message.receiver != handshake.localIndex) return false;
  Key32 hash = handshake.hash;
  Key32 chainingKey = handshake.chainingKey;
  mixHash(hash, arrayBytes(message.ephemeral));
  mixKey(chainingKey, arrayBytes(message.ephemeral));

  Key32 shared;
  if (!sharedSecret(handshake.localEphemeral, message.ephemeral.data(), shared)) return false;
  mixKey(chainingKey, bytesOf(shared));
  if (!sharedSecret(local.privateKey, message.ephemeral.data(), shared)) return false;
  mixKey(chainingKey, bytesOf(shared));

  Key32 tau;
  Key32 key;
  kdf3(bytesOf(chainingKey), bytesOf(handshake.presharedKey), chainingKey, tau, key);
  mixHash(hash, bytesOf(tau));
  uint8_t nothing[1];
  if (!aeadOpen(key, 0, arrayBytes(message.encryptedNothing), bytesOf(hash), nothing)) return false;
  mixHash(hash, arrayBytes(message.encryptedNothing));

  handshake.hash = hash;
  handshake.chainingKey = chainingKey;
  handshake.remoteIndex = message.sender;
  handshake.state = HandshakeState::kResponseConsumed;
  return true;
}

bool deriveSessionKeys(Handshake& handshake, SessionKeys& out) {
  Key32 first;
  Key32 second;
  if (handshake.state == HandshakeState::kResponseConsumed) {
    kdf2(bytesOf(handshake.chainingKey), {}, first, second);
    out.sendKey = first;
    out.receiveKey = second;
    out.isInitiator = true;
  } else if (handshake.state == HandshakeState::kResponseCreated) {
    kdf2(bytesOf(handshake.chainingKey), {}, first, second);
    out.receiveKey = first;
    out.sendKey = second;
    out.isInitiator = false;
  } else {
    return false;
  }
  out.localIndex = handshake.localIndex;
  out.remoteIndex = handshake.remoteIndex;
  handshake.clear();
  return true;
}

}  // namespace nefia::wg
