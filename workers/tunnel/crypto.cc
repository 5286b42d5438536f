// Primitive choice, from bench/crypto_bench.sh (CPU time, 1420-byte packets, per-packet key/nonce setup and tag,
// 2-core Xeon with AVX-512, 2026-11-26; `openssl speed -evp chacha20-poly1305` streaming limit: 1792 MB/s):
//   ChaCha20-Poly1305 seal/open: OpenSSL 3.0 EVP 971/948 MB/s, libsodium 1.0.18 845/811 MB/s -> OpenSSL.
//   BLAKE2s-256: OpenSSL 388 MB/s; libsodium offers only BLAKE2b -> OpenSSL. X25519, XChaCha20-Poly1305: libsodium
//   only (OpenSSL has no XChaCha20). Nothing here may log, and the AEAD functions must not allocate per packet.
#include "workers/tunnel/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "common/panic.h"

namespace nefia::wg {
namespace {

// A missing OpenSSL algorithm is a broken installation, not bad input: stop with a message that says so.
[[noreturn]] void abortMissing(const char* what) {
  panic(std::string("OpenSSL 3 does not provide ") + what + "; reinstall libssl3 (>= 3.0)");
}

EVP_MD* blake2sDigest() {
  static EVP_MD* digest = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "BLAKE2S-256", nullptr);
    if (fetched == nullptr) abortMissing("BLAKE2S-256");
    return fetched;
  }();
  return digest;
}

EVP_MAC* fetchMac(const char* name) {
  EVP_MAC* fetched = EVP_MAC_fetch(nullptr, name, nullptr);
  if (fetched == nullptr) abortMissing(name);
  return fetched;
}

EVP_MAC* blake2sMac() {
  static EVP_MAC* mac = fetchMac("BLAKE2SMAC");
  return mac;
}

EVP_MAC* hmacMac() {
  static EVP_MAC* mac = fetchMac("HMAC");
  return mac;
}

struct MacContextDeleter {
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};
using MacContext = std::unique_ptr<EVP_MAC_CTX, MacContextDeleter>;

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

// One sealing and one opening context per thread, created once: per-packet calls only re-key them.
EVP_CIPHER_CTX* cipherContext(bool encrypt) {
  thread_local CipherContext sealContext;
  thread_local CipherContext openContext;
  CipherContext& context = encrypt ? sealContext : openContext;
  if (!context) {
    context.reset(EVP_CIPHER_CTX_new());
    if (!context || EVP_CipherInit_ex(context.get(), EVP_chacha20_poly1305(), nullptr, nullptr, nullptr,
                                      encrypt ? 1 : 0) != 1) {
      abortMissing("ChaCha20-Poly1305");
    }
  }
  return context.get();
}

constexpr int kTagBytes = 16;

void wireGuardNonce(uint64_t counter, uint8_t nonce[12]) {
  std::memset(nonce, 0, 4);
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
}

// OpenSSL rejects a NULL key; an empty key is legal in HMAC and in the KDF test vectors.
const uint8_t* keyPointer(Bytes key) {
  static const uint8_t kEmpty = 0;
  return key.empty() ? &kEmpty : key.data();
}

}  // namespace

void initializeCrypto() {
  x25519::initializeSodium();
}

void blake2s256(Bytes first, Bytes second, uint8_t* out32) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  unsigned int length = 0;
  if (context == nullptr || EVP_DigestInit_ex(context, blake2sDigest(), nullptr) != 1 ||
      EVP_DigestUpdate(context, first.data(), first.size()) != 1 ||
      EVP_DigestUpdate(context, second.data(), second.size()) != 1 ||
      EVP_DigestFinal_ex(context, out32, &length) != 1 || length != kHashSize) {
    abortMissing("a working BLAKE2S-256");
  }
  EVP_MD_CTX_free(context);
}

void keyedBlake2s(Bytes key, Bytes first, Bytes second, uint8_t* out, std::size_t outSize) {
  MacContext context(EVP_MAC_CTX_new(blake2sMac()));
  std::size_t size = outSize;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  std::size_t written = 0;
  if (!context || EVP_MAC_init(context.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(context.get(), first.data(), first.size()) != 1 ||
      EVP_MAC_update(context.get(), second.data(), second.size()) != 1 ||
      EVP_MAC_final(context.get(), out, &written, outSize) != 1 || written != outSize) {
    abortMissing("a working BLAKE2SMAC");
  }
}

void hmacBlake2s(Bytes key, Bytes data, uint8_t* out32) {
  MacContext context(EVP_MAC_CTX_new(hmacMac()));
  char digestName[] = "BLAKE2S-256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digestName, 0),
                         OSSL_PARAM_construct_end()};
  std::size_t written = 0;
  if (!context || EVP_MAC_init(context.get(), keyPointer(key), key.size(), params) != 1 ||
      EVP_MAC_update(context.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(context.get(), out32, &written, kHashSize) != 1 || written != kHashSize) {
    abortMissing("a working HMAC over BLAKE2S-256");
  }
}

namespace {

// Fills up to three outputs of the chain; the pseudo-random key never outlives the call.
void kdf(Bytes key, Bytes input, Key32* outputs[], int count) {
  Key32 prk;
  hmacBlake2s(key, input, prk.data());
  SecureBytes<kHashSize + 1> block;
  std::size_t blockLength = 0;
  for (int i = 0; i < count; ++i) {
    block[blockLength] = static_cast<uint8_t>(i + 1);
    hmacBlake2s(bytesOf(prk), Bytes(block.data(), blockLength + 1), outputs[i]->data());
    std::memcpy(block.data(), outputs[i]->data(), kHashSize);
    blockLength = kHashSize;
  }
}

}  // namespace

void kdf1(Bytes key, Bytes input, Key32& t0) {
  Key32* outputs[] = {&t0};
  kdf(key, input, outputs, 1);
}

void kdf2(Bytes key, Bytes input, Key32& t0, Key32& t1) {
  Key32* outputs[] = {&t0, &t1};
  kdf(key, input, outputs, 2);
}

void kdf3(Bytes key, Bytes input, Key32& t0, Key32& t1, Key32& t2) {
  Key32* outputs[] = {&t0, &t1, &t2};
  kdf(key, input, outputs, 3);
}

void aeadSeal(const Key32& key, uint64_t counter, Bytes plaintext, Bytes associatedData, uint8_t* out) {
  EVP_CIPHER_CTX* context = cipherContext(true);
  uint8_t nonce[12];
  wireGuardNonce(counter, nonce);
  int length = 0;
  if (EVP_CipherInit_ex(context, nullptr, nullptr, key.data(), nonce, 1) != 1 ||
      (!associatedData.empty() &&
       EVP_CipherUpdate(context, nullptr, &length, associatedData.data(), static_cast<int>(associatedData.size())) != 1) ||
      (!plaintext.empty() &&
       EVP_CipherUpdate(context, out, &length, plaintext.data(), static_cast<int>(plaintext.size())) != 1) ||
      EVP_CipherFinal_ex(context, out + plaintext.size(), &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, kTagBytes, out + plaintext.size()) != 1) {
    abortMissing("a working ChaCha20-Poly1305 (seal)");
  }
}

bool aeadOpen(const Key32& key, uint64_t counter, Bytes ciphertext, Bytes associatedData, uint8_t* out) {
  if (ciphertext.size() < kTagBytes) return false;
  EVP_CIPHER_CTX* context = cipherContext(false);
  uint8_t nonce[12];
  wireGuardNonce(counter, nonce);
  const std::size_t bodySize = ciphertext.size() - kTagBytes;
  uint8_t tag[kTagBytes];
  std::memcpy(tag, ciphertext.data() + bodySize, kTagBytes);
  int length = 0;
  if (EVP_CipherInit_ex(context, nullptr, nullptr, key.data(), nonce, 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, kTagBytes, tag) != 1) {
    return false;
  }
  if (!associatedData.empty() &&
      EVP_CipherUpdate(context, nullptr, &length, associatedData.data(), static_cast<int>(associatedData.size())) != 1) {
    return false;
  }
  if (bodySize > 0 &&
      EVP_CipherUpdate(context, out, &length, ciphertext.data(), static_cast<int>(bodySize)) != 1) {
    return false;
  }
  return EVP_CipherFinal_ex(context, out + bodySize, &length) == 1;
}

void xaeadSeal(const Key32& key, const uint8_t* nonce24, Bytes plaintext, Bytes associatedData, uint8_t* out) {
  initializeCrypto();
  unsigned long long length = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out, &length, plaintext.data(), plaintext.size(), associatedData.data(),
                                             associatedData.size(), nullptr, nonce24, key.data());
}

bool xaeadOpen(const Key32& key, const uint8_t* nonce24, Bytes ciphertext, Bytes associatedData, uint8_t* out) {
  initializeCrypto();
  unsigned long long length = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(out, &length, nullptr, ciphertext.data(), ciphertext.size(),
                                                    associatedData.data(), associatedData.size(), nonce24,
                                                    key.data()) == 0;
}

void randomBytes(uint8_t* out, std::size_t size) {
  initializeCrypto();
  randombytes_buf(out, size);
}

uint32_t randomUint32(uint32_t upperBoundExclusive) {
  initializeCrypto();
  return randombytes_uniform(upperBoundExclusive);
}

}  // namespace nefia::wg
