// WireGuard's primitives behind one small interface: BLAKE2s hash/MAC, HMAC-BLAKE2s, the HKDF chain, X25519,
// ChaCha20-Poly1305 and XChaCha20-Poly1305. Never throws, never logs key material, never allocates per packet
// on the AEAD path. Which library serves which primitive, and why, is recorded in crypto.cc.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/secure_buffer.h"
#include "common/x25519_keys.h"

namespace nefia::wg {

inline constexpr std::size_t kKeySize = 32;
inline constexpr std::size_t kHashSize = 32;
inline constexpr std::size_t kMacSize = 16;
inline constexpr std::size_t kXNonceSize = 24;

using Key32 = nefia::Key32;
using Hash = std::array<uint8_t, kHashSize>;
using Mac = std::array<uint8_t, kMacSize>;
using Bytes = std::span<const uint8_t>;

// Initialises libsodium exactly once (thread-safe); every other function here calls it when needed.
void initializeCrypto();

// BLAKE2s-256 of the concatenation first || second (second may be empty).
void blake2s256(Bytes first, Bytes second, uint8_t* out32);
// Keyed BLAKE2s (key 1..32 bytes) of first || second with an output of outSize (1..32) bytes.
void keyedBlake2s(Bytes key, Bytes first, Bytes second, uint8_t* out, std::size_t outSize);
// HMAC (RFC 2104) over BLAKE2s-256, block size 64.
void hmacBlake2s(Bytes key, Bytes data, uint8_t* out32);

// WireGuard's HKDF chain: prk = HMAC(key, input); t0 = HMAC(prk, 0x1); t(i) = HMAC(prk, t(i-1) || i+1).
void kdf1(Bytes key, Bytes input, Key32& t0);
void kdf2(Bytes key, Bytes input, Key32& t0, Key32& t1);
void kdf3(Bytes key, Bytes input, Key32& t0, Key32& t1, Key32& t2);

// X25519: the shared key helpers (common/x25519_keys.h), which enrollment uses too.
using x25519::generatePrivateKey;
using x25519::publicKeyFor;
using x25519::sharedSecret;

// ChaCha20-Poly1305 (RFC 8439) with WireGuard's 96-bit nonce: 4 zero bytes then the 64-bit little-endian counter.
// out must hold plaintext.size() + 16 bytes; it may alias plaintext (in-place).
void aeadSeal(const Key32& key, uint64_t counter, Bytes plaintext, Bytes associatedData, uint8_t* out);
// out must hold ciphertext.size() - 16 bytes; it may alias ciphertext. False when the tag does not verify.
bool aeadOpen(const Key32& key, uint64_t counter, Bytes ciphertext, Bytes associatedData, uint8_t* out);

// XChaCha20-Poly1305 (cookie replies), 24-byte random nonce.
void xaeadSeal(const Key32& key, const uint8_t* nonce24, Bytes plaintext, Bytes associatedData, uint8_t* out);
bool xaeadOpen(const Key32& key, const uint8_t* nonce24, Bytes ciphertext, Bytes associatedData, uint8_t* out);

void randomBytes(uint8_t* out, std::size_t size);
uint32_t randomUint32(uint32_t upperBoundExclusive);

inline Bytes bytesOf(const Key32& key) { return Bytes(key.data(), key.size()); }
template <std::size_t N>
inline Bytes bytesOf(const std::array<uint8_t, N>& array) { return Bytes(array.data(), N); }

}  // namespace nefia::wg
