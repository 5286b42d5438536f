// X25519 through libsodium's crypto_scalarmult_curve25519 (constant time, rejects low-order points), keys
// from its CSPRNG. sodium_init runs once; a failure there (no entropy source) is fatal.
#include "common/x25519_keys.h"

#include <sodium.h>

#include <mutex>

#include "common/panic.h"

namespace nefia::x25519 {

void initializeSodium() {
  static std::once_flag once;
  std::call_once(once, [] { check(sodium_init() >= 0, "libsodium failed to initialise (no entropy source?)"); });
}

Key32 generatePrivateKey() {
  initializeSodium();
  Key32 key;
  randombytes_buf(key.data(), key.size());
  key[0] &= 248;
  key[31] = static_cast<uint8_t>((key[31] & 127) | 64);
  return key;
}

Key32 publicKeyFor(const Key32& privateKey) {
  initializeSodium();
  Key32 publicKey;
  crypto_scalarmult_curve25519_base(publicKey.data(), privateKey.data());
  return publicKey;
}

bool sharedSecret(const Key32& privateKey, const uint8_t* publicKey32, Key32& out) {
  initializeSodium();
  return crypto_scalarmult_curve25519(out.data(), privateKey.data(), publicKey32) == 0;
}

}  // namespace nefia::x25519
