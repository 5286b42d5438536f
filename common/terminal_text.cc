// escapeControlCharacters: a small UTF-8 decoder that only classifies (no normalisation, no locale).
// Must never emit a raw byte below 0x20, 0x7f, or a C1 control.
#include "common/terminal_text.h"

#include <cstdint>
#include <cstdio>

namespace nefia {
namespace {

void appendHexByte(std::string& out, unsigned char byte) {
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02x", byte);
  out += text;
}

// Length of the valid UTF-8 sequence at text[i] and its code point, or 0 when it is not valid.
std::size_t utf8Sequence(std::string_view text, std::size_t i, uint32_t& codePoint) {
  const auto lead = static_cast<unsigned char>(text[i]);
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
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    codePoint = (codePoint << 6) | (next & 0x3F);
  }
  const bool overlong = (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
  const bool surrogate = codePoint >= 0xD800 && codePoint <= 0xDFFF;
  if (overlong || surrogate || codePoint > 0x10FFFF) return 0;
  return length;
}

}  // namespace

std::string escapeControlCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    uint32_t codePoint = 0;
    const std::size_t length = utf8Sequence(text, i, codePoint);
    if (length == 0) {
      appendHexByte(out, static_cast<unsigned char>(text[i++]));
      continue;
    }
    if (codePoint < 0x20 || codePoint == 0x7F) {
      appendHexByte(out, static_cast<unsigned char>(codePoint));
    } else if (codePoint >= 0x80 && codePoint <= 0x9F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(codePoint));
      out += escaped;
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string replaceInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    uint32_t codePoint = 0;
    const std::size_t length = utf8Sequence(text, i, codePoint);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace nefia
