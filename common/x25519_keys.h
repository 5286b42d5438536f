// X25519 key helpers (libsodium) shared by the tunnel's WireGuard core and by enrollment: one definition of
// key generation, public key derivation and the shared secret. Never logs key material.
#pragma once

#include <cstdint>

#include "common/secure_buffer.h"

namespace nefia::x25519 {

// Initialises libsodium exactly once (thread-safe); the functions below call it themselves.
void initializeSodium();

// generatePrivateKey clamps like `wg genkey`. sharedSecret fails for low-order points (all-zero result).
Key32 generatePrivateKey();
Key32 publicKeyFor(const Key32& privateKey);
bool sharedSecret(const Key32& privateKey, const uint8_t* publicKey32, Key32& out);

}  // namespace nefia::x25519
