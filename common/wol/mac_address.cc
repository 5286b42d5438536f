// parseMacAddress: the four spellings of a MAC address that network tools print, and nothing else.
// Must not accept mixed separators or short groups: a typo should fail loudly, not wake the wrong host.
#include "common/wol/mac_address.h"

#include <cstdio>

namespace nefia {
namespace {

int hexValue(char character) {
  if (character >= '0' && character <= '9') return character - '0';
  if (character >= 'a' && character <= 'f') return character - 'a' + 10;
  if (character >= 'A' && character <= 'F') return character - 'A' + 10;
  return -1;
}

// True when `text` has hex digits everywhere except separator `separator` after every `groupDigits` digits.
bool decodeGrouped(std::string_view text, std::size_t groupDigits, char separator, MacAddress& address) {
  constexpr std::size_t kHexDigits = 12;
  const std::size_t groups = kHexDigits / groupDigits;
  const std::size_t expectedLength = kHexDigits + (separator == '\0' ? 0 : groups - 1);
  if (text.size() != expectedLength) return false;
  std::size_t digit = 0;
  for (std::size_t index = 0; index < text.size(); ++index) {
    const bool separatorPosition = separator != '\0' && (index + 1) % (groupDigits + 1) == 0;
    if (separatorPosition) {
      if (text[index] != separator) return false;
      continue;
    }
    const int value = hexValue(text[index]);
    if (value < 0) return false;
    std::uint8_t& byte = address.bytes[digit / 2];
    byte = static_cast<std::uint8_t>(digit % 2 == 0 ? value << 4 : byte | value);
    ++digit;
  }
  return digit == kHexDigits;
}

}  // namespace

Result<MacAddress> parseMacAddress(std::string_view text) {
  MacAddress address;
  if (decodeGrouped(text, 2, ':', address) || decodeGrouped(text, 2, '-', address) ||
      decodeGrouped(text, 4, '.', address) || decodeGrouped(text, 12, '\0', address)) {
    return address;
  }
  return makeError("--mac: \"" + std::string(text) +
                   "\" is not a MAC address; use six hex byte pairs as aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, "
                   "aabb.ccdd.eeff or aabbccddeeff");
}

std::string toString(const MacAddress& address) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", address.bytes[0], address.bytes[1],
                address.bytes[2], address.bytes[3], address.bytes[4], address.bytes[5]);
  return text;
}

}  // namespace nefia
