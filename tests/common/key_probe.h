// An independent probe for 32-byte keys in text, shared by the redaction test and the redaction fuzzer: it uses
// libsodium's decoder, not redactKeys' own scanner. Test-only code; never linked into the agent.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <string>

namespace nefia::testing_support {

// Whether any substring of 43 or 44 characters decodes to 32 bytes in one of libsodium's four base64 variants.
inline bool holdsKey(const std::string& text) {
  const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                          sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
  for (std::size_t length : {std::size_t{43}, std::size_t{44}}) {
    for (std::size_t at = 0; at + length <= text.size(); ++at) {
      // A key is ASCII; libsodium's decoder maps some bytes >= 0x80 to values (see base64.cc), so skip those.
      bool ascii = true;
      for (std::size_t k = 0; k < length; ++k) ascii = ascii && static_cast<unsigned char>(text[at + k]) < 0x80;
      if (!ascii) continue;
      for (int variant : variants) {
        unsigned char out[40];
        std::size_t decoded = 0;
        const char* end = nullptr;
        if (sodium_base642bin(out, sizeof out, text.data() + at, length, nullptr, &decoded, &end, variant) == 0 &&
            end == text.data() + at + length && decoded == 32) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace nefia::testing_support
