// Base64 helpers over libsodium's sodium_bin2base64/sodium_base642bin.
// Keys pass through here: never log the input or output.
#include "common/base64.h"

#include <sodium.h>

namespace nefia {
namespace {

std::string encode(const uint8_t* data, std::size_t size, int variant) {
  std::string out(sodium_base64_encoded_len(size, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, variant);
  out.resize(out.size() - 1);  // drop the terminating NUL sodium writes
  return out;
}

// libsodium's constant-time decoder maps some bytes >= 0x80 (e.g. the UTF-8 of U+FFFD) to alphabet values, so
// "\xef\xbf\xbd..." would decode: accept only the variant's alphabet and '='.
bool inAlphabet(std::string_view text, int variant) {
  const bool urlSafe = variant == sodium_base64_VARIANT_URLSAFE || variant == sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  for (char c : text) {
    const bool common = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '=';
    if (!common && !(urlSafe ? (c == '-' || c == '_') : (c == '+' || c == '/'))) return false;
  }
  return true;
}

std::optional<std::vector<uint8_t>> decode(std::string_view text, int variant) {
  if (!inAlphabet(text, variant)) return std::nullopt;
  std::vector<uint8_t> out(text.size() * 3 / 4 + 3);
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

}  // namespace

std::string base64Encode(const uint8_t* data, std::size_t size) {
  return encode(data, size, sodium_base64_VARIANT_ORIGINAL);
}
std::optional<std::vector<uint8_t>> base64Decode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_ORIGINAL);
}
std::string base64UrlEncode(const uint8_t* data, std::size_t size) {
  return encode(data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
std::optional<std::vector<uint8_t>> base64UrlDecode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
bool isBase64Key32(std::string_view text) {
  auto decoded = base64Decode(text);
  return decoded && decoded->size() == 32;
}

}  // namespace nefia
