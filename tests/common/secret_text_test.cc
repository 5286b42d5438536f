// Tests for the redaction rule of issue 12 item 5: a property test over random keys placed anywhere in random
// text (no 32-byte base64 key survives redactKeys, checked with libsodium's decoder), and the quoting rule.
#include "common/secret_text.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/terminal_text.h"
#include "tests/common/key_probe.h"

namespace nefia {
namespace {

using testing_support::holdsKey;

TEST(SecretTextTest, NoKeySurvivesRedactionWhereverItIs) {
  std::mt19937 random(12);
  const std::string filler = "ab/+-_=.: \"\n9Zz";
  for (int round = 0; round < 3000; ++round) {
    uint8_t key[32];
    for (uint8_t& byte : key) byte = static_cast<uint8_t>(random());
    std::string encoded = round % 2 ? base64Encode(key, 32) : base64UrlEncode(key, 32);
    if (round % 3 == 0 && encoded.back() == '=') encoded.pop_back();
    std::string text;
    for (int i = random() % 60; i > 0; --i) text += filler[random() % filler.size()];
    text += encoded;
    for (int i = random() % 60; i > 0; --i) text += filler[random() % filler.size()];
    ASSERT_TRUE(holdsKey(text)) << text;
    const std::string redacted = redactKeys(text);
    ASSERT_FALSE(holdsKey(redacted)) << text << " -> " << redacted;
    ASSERT_NE(redacted.find("[redacted]"), std::string::npos) << text;
  }
}

TEST(SecretTextTest, TextWithoutKeysIsUnchanged) {
  const std::string text = "config /etc/nefia/agent.yaml: peers[0].public_key: not a 32-byte base64 key (agent.yaml:5)";
  EXPECT_EQ(redactKeys(text), text);
  EXPECT_EQ(redactKeys(""), "");
}

TEST(SecretTextTest, KeyShapedValuesAreDescribedNotQuoted) {
  EXPECT_EQ(quoteUnlessSecret("10.99.0.2"), "\"10.99.0.2\"");
  EXPECT_EQ(quoteUnlessSecret("kP3m/Zq9XvA2bL7c+YtR0wEeUu5sNnHhJjKk1fGgDdI=/24"),
            "a value that looks like a key (not shown)");
  EXPECT_EQ(quoteUnlessSecret("nfa_live_0123456789abcdef0123456789"), "a value that looks like a key (not shown)");
  EXPECT_FALSE(mayHoldSecret("relay-eu-1.example.com:3478"));
}

TEST(TerminalTextTest, ControlCharactersBecomeVisible) {
  EXPECT_EQ(escapeControlCharacters("a\x1b[2Jb\n\x7f"), "a\\x1b[2Jb\\x0a\\x7f");
  EXPECT_EQ(escapeControlCharacters("x\xc2\x9by \xff"), "x\\u009by \\xff");
  EXPECT_EQ(escapeControlCharacters("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
}

}  // namespace
}  // namespace nefia
