// Tests for parseMacAddress: the four accepted spellings, case-insensitivity, and clear rejections.
// A wrongly accepted typo would wake the wrong machine, so rejects matter as much as accepts.
#include "common/wol/mac_address.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

const MacAddress kExpected{{0xaa, 0xbb, 0xcc, 0x0d, 0xe1, 0xff}};

TEST(MacAddressTest, AcceptsEveryDocumentedFormInAnyCase) {
  for (const char* text : {"aa:bb:cc:0d:e1:ff", "AA:BB:CC:0D:E1:FF", "aa-bb-cc-0d-e1-ff", "Aa-bB-cc-0D-e1-Ff",
                           "aabb.cc0d.e1ff", "AABB.CC0D.E1FF", "aabbcc0de1ff", "AABBCC0DE1FF"}) {
    auto parsed = parseMacAddress(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error();
    EXPECT_EQ(parsed.value(), kExpected) << text;
  }
  EXPECT_EQ(toString(kExpected), "aa:bb:cc:0d:e1:ff");
}

TEST(MacAddressTest, RejectsWrongLengthBadHexAndMixedSeparators) {
  for (const char* text : {"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aabbccddeef", "aabbccddeeff0",
                           "aa:bb:cc:dd:ee:fg", "zzbbccddeeff", "aa:bb-cc:dd:ee:ff", "aa-bb-cc-dd-ee:ff",
                           "aabb.ccdd:eeff", "aa:bb:cc:dd:ee:f", "a:bb:cc:dd:ee:fff", "aabb.ccdd.eef",
                           "aa bb cc dd ee ff", " aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff\n", "aa::bb:cc:dd:ee:f"}) {
    auto parsed = parseMacAddress(text);
    ASSERT_FALSE(parsed.ok()) << "accepted \"" << text << "\"";
    EXPECT_NE(parsed.error().find(std::string("\"") + text + "\""), std::string::npos) << parsed.error();
    EXPECT_NE(parsed.error().find("aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff"),
              std::string::npos)
        << parsed.error();
  }
}

}  // namespace
}  // namespace nefia
