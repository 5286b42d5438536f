// SHA-256 and HMAC through OpenSSL, randomness and encodings through libsodium and nefia_core's base64.
// Wipes intermediate secret bytes; nothing here keeps state.
#include "operator/cloud/cloud_crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "common/base64.h"

namespace nefia::cloud {

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  char hex[2 * 32 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, 32);
  return std::string(hex, 64);
}

Digest hmacSha256(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &length);
  return out;
}

std::string randomSecret() {
  uint8_t bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  sodium_memzero(bytes, sizeof bytes);
  std::string secret(hex, 2 * sizeof bytes);
  sodium_memzero(hex, sizeof hex);
  return secret;
}

std::string tokenFromDigest(const Digest& digest) { return base64UrlEncode(digest.data(), digest.size()); }

std::string randomToken() {
  Digest bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string token = tokenFromDigest(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return token;
}

std::string randomId(std::string_view prefix) {
  uint8_t bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string(prefix) + hex;
}

}  // namespace nefia::cloud
