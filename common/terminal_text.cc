// A small UTF-8 decoder that only classifies (no normalisation, no locale), and the rewrites built on it.
// escapeControlCharacters must never emit a raw byte below 0x20, 0x7f, or a C1 control.
#include "common/terminal_text.h"

#include <cstdint>
#include <cstdio>

namespace nefia {

std::size_t utf8Sequence(std::string_view text, std::size_t at, uint32_t& codePoint) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 0;
  if (lead < 0x80) {
    codePoint = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    codePoint = lead & 0x1F;
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    codePoint = lead & 0x0F;
    length = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    codePoint = lead & 0x07;
    length = 4;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[at + k]);
    if ((next & 0xC0) != 0x80) return 0;
    codePoint = (codePoint << 6) | (next & 0x3F);
  }
  const bool overlong = (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
  const bool surrogate = codePoint >= 0xD800 && codePoint <= 0xDFFF;
  if (overlong || surrogate || codePoint > 0x10FFFF) return 0;
  return length;
}

namespace {

void appendHexByte(std::string& out, unsigned char byte) {
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02x", byte);
  out += text;
}

// Walks text as UTF-8: each valid sequence goes to onValid(out, sequence, codePoint), each byte that is not part
// of one to onInvalid(out, byte).
template <typename OnValid, typename OnInvalid>
std::string rewriteUtf8(std::string_view text, OnValid onValid, OnInvalid onInvalid) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    uint32_t codePoint = 0;
    const std::size_t length = utf8Sequence(text, i, codePoint);
    if (length == 0) {
      onInvalid(out, static_cast<unsigned char>(text[i++]));
      continue;
    }
    onValid(out, text.substr(i, length), codePoint);
    i += length;
  }
  return out;
}

}  // namespace

std::string escapeControlCharacters(std::string_view text) {
  return rewriteUtf8(
      text,
      [](std::string& out, std::string_view sequence, uint32_t codePoint) {
        if (codePoint < 0x20 || codePoint == 0x7F) {
          appendHexByte(out, static_cast<unsigned char>(codePoint));
        } else if (codePoint >= 0x80 && codePoint <= 0x9F) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(codePoint));
          out += escaped;
        } else {
          out.append(sequence);
        }
      },
      appendHexByte);
}

std::string replaceInvalidUtf8(std::string_view text) {
  return rewriteUtf8(
      text, [](std::string& out, std::string_view sequence, uint32_t) { out.append(sequence); },
      [](std::string& out, unsigned char) { out += "\xEF\xBF\xBD"; });
}

}  // namespace nefia
