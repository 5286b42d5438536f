// Detection of key-shaped text by the base64 alphabet alone (no decoding library, no allocation per window),
// so the check is cheap enough for every error message and every health report write.
#include "common/secret_text.h"

#include <vector>

namespace nefia {
namespace {

// 43 base64 characters carry 258 bits: a 32-byte key (256 bits) plus 2 bits that must be zero.
constexpr std::size_t kKeyCharacters = 43;

bool isLetterOrDigit(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isStandardAlphabet(char c) { return isLetterOrDigit(c) || c == '+' || c == '/'; }
bool isUrlSafeAlphabet(char c) { return isLetterOrDigit(c) || c == '-' || c == '_'; }
bool isBase64Character(char c) { return isStandardAlphabet(c) || isUrlSafeAlphabet(c) || c == '='; }

// The 6-bit value of a base64 character (both alphabets).
unsigned sextet(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<unsigned>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<unsigned>(c - 'a') + 26;
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0') + 52;
  return (c == '+' || c == '-') ? 62 : 63;
}

// runs[i]: how many characters of the alphabet start at i.
template <typename InAlphabet>
std::vector<std::size_t> runLengths(std::string_view text, InAlphabet inAlphabet) {
  std::vector<std::size_t> runs(text.size() + 1, 0);
  for (std::size_t i = text.size(); i-- > 0;) runs[i] = inAlphabet(text[i]) ? runs[i + 1] + 1 : 0;
  return runs;
}

}  // namespace

bool mayHoldSecret(std::string_view text) {
  std::size_t run = 0;
  for (char c : text) {
    run = isBase64Character(c) ? run + 1 : 0;
    if (run >= kSecretLikeRunLength) return true;
  }
  return false;
}

std::string quoteUnlessSecret(std::string_view text) {
  if (mayHoldSecret(text)) return "a value that looks like a key (not shown)";
  return "\"" + std::string(text) + "\"";
}

std::string redactKeys(std::string_view text) {
  const std::vector<std::size_t> standard = runLengths(text, isStandardAlphabet);
  const std::vector<std::size_t> urlSafe = runLengths(text, isUrlSafeAlphabet);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const bool window = (standard[i] >= kKeyCharacters || urlSafe[i] >= kKeyCharacters) &&
                        (sextet(text[i + kKeyCharacters - 1]) & 3u) == 0;
    if (!window) {
      out += text[i++];
      continue;
    }
    out += kRedactedText;
    i += kKeyCharacters;
    while (i < text.size() && text[i] == '=') ++i;
  }
  return out;
}

}  // namespace nefia
