// Small helpers shared by the tunnel tests: hex conversion. Test-only; never linked into the agent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nefia::wg::testing_util {

inline std::string toHex(const uint8_t* data, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < size; ++i) {
    text.push_back(kDigits[data[i] >> 4]);
    text.push_back(kDigits[data[i] & 15]);
  }
  return text;
}

inline std::vector<uint8_t> fromHex(std::string_view text) {
  std::vector<uint8_t> bytes;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
  }
  return bytes;
}

}  // namespace nefia::wg::testing_util
