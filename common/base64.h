// Standard and URL-safe base64 through libsodium (constant-time decoding, strict padding rules).
// Decoding never throws: malformed input is an empty optional.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nefia {

std::string base64Encode(const uint8_t* data, std::size_t size);
std::optional<std::vector<uint8_t>> base64Decode(std::string_view text);
std::string base64UrlEncode(const uint8_t* data, std::size_t size);  // no padding
std::optional<std::vector<uint8_t>> base64UrlDecode(std::string_view text);

// True when text is the standard base64 of exactly 32 bytes (a WireGuard key).
bool isBase64Key32(std::string_view text);

}  // namespace nefia
