// Text from files (the health report, configs) made safe to print on a terminal: control characters and
// invalid UTF-8 become visible escapes, so a field can never move the cursor, recolour or forge lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nefia {

// Length of the valid UTF-8 sequence at text[at] (at < text.size()) with its code point in codePoint, or 0 when
// it is not valid UTF-8 (overlong forms, surrogates and code points above U+10FFFF are not).
std::size_t utf8Sequence(std::string_view text, std::size_t at, uint32_t& codePoint);

// C0 controls, DEL and C1 controls (U+0080-U+009F) become "\xNN" (C1: "\u0085"), invalid UTF-8 bytes "\xNN";
// everything else, valid UTF-8 included, is kept as is.
std::string escapeControlCharacters(std::string_view text);

// Each byte that is not part of valid UTF-8 becomes U+FFFD; the rest is kept byte for byte. (What a JSON
// writer would do on its own, done first so that later steps, such as redaction, see the final text.)
std::string replaceInvalidUtf8(std::string_view text);

}  // namespace nefia
