// The cloud's small crypto vocabulary: SHA-256 of credentials (the only form the store keeps), HMAC-SHA256 for
// derived rotation tokens, and fresh random credentials. Never logs or stores a plaintext credential.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nefia::cloud {

using Digest = std::array<uint8_t, 32>;

std::string sha256Hex(std::string_view data);  // lowercase hex, 64 characters
Digest hmacSha256(std::string_view key, std::string_view data);
std::string randomSecret();                     // 32 random bytes as 64 hex characters (server keys)
std::string randomToken();                      // 32 random bytes, base64url without padding (43 characters)
std::string tokenFromDigest(const Digest& digest);  // same encoding as randomToken
std::string randomId(std::string_view prefix);  // prefix + 16 random hex characters (team ids)

}  // namespace nefia::cloud
