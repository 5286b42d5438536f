// Tests for common/base64: WireGuard key detection and strict decoding.
#include "common/base64.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

TEST(Base64, RecognisesA32ByteKey) {
  EXPECT_TRUE(isBase64Key32("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="));
  EXPECT_FALSE(isBase64Key32("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm="));
  EXPECT_FALSE(isBase64Key32("c2hvcnQ="));
  EXPECT_FALSE(isBase64Key32("not base64 at all!"));
}

TEST(Base64, UrlVariantRoundTripsWithoutPadding) {
  const uint8_t bytes[] = {0xfb, 0xff, 0x01};
  const std::string text = base64UrlEncode(bytes, sizeof bytes);
  EXPECT_EQ(text, "-_8B");
  auto decoded = base64UrlDecode(text);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->size(), 3u);
  EXPECT_FALSE(base64UrlDecode("-_8B!"));
}

// Found by the redaction fuzzer (issue 12): libsodium decoded 43 bytes of U+FFFD and "+" as a 32-byte key, so
// such text passed as a peer's public_key.
TEST(Base64Test, NonAsciiBytesAreNeverBase64) {
  std::string text;
  for (int i = 0; i < 14; ++i) text += "\xef\xbf\xbd";
  text += "+";
  EXPECT_FALSE(base64Decode(text + "=").has_value());
  EXPECT_FALSE(isBase64Key32(text + "="));
  EXPECT_FALSE(base64UrlDecode("\xef\xbf\xbd\xef").has_value());
}

}  // namespace
}  // namespace nefia
