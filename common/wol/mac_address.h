// Ethernet MAC addresses as a user types them for `nefia-agent wol --mac`.
// Parsing is strict: one separator style per address, exactly six bytes; never guesses.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nefia {

struct MacAddress {
  std::array<std::uint8_t, 6> bytes{};
  bool operator==(const MacAddress&) const = default;
};

// Accepts, case-insensitively: aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff and aabbccddeeff.
// Anything else is an error that quotes the input and lists these forms.
Result<MacAddress> parseMacAddress(std::string_view text);

// Lower-case, colon separated: "aa:bb:cc:dd:ee:ff".
std::string toString(const MacAddress& address);

}  // namespace nefia
