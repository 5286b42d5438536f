// nefia_internet_checksum against lwIP's own lwip_standard_chksum (the reference it replaces) for every length
// up to two MTUs at every alignment, plus RFC 1071's worked example and the all-ones edge cases.
#include "workers/forwarder/internet_checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

extern "C" {
#include "lwip/inet_chksum.h"
u16_t lwip_standard_chksum(const void* dataptr, int len);
}

namespace {

TEST(InternetChecksum, MatchesLwipForEveryLengthAndAlignment) {
  std::mt19937 random(20261126);
  std::vector<unsigned char> buffer(2 * 1420 + 16);
  for (auto& byte : buffer) byte = static_cast<unsigned char>(random());
  for (int offset = 0; offset < 8; ++offset) {
    for (int length = 0; length <= 2 * 1420; ++length) {
      ASSERT_EQ(nefia_internet_checksum(buffer.data() + offset, length),
                lwip_standard_chksum(buffer.data() + offset, length))
          << "offset " << offset << " length " << length;
    }
  }
}

TEST(InternetChecksum, Rfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (in network order).
  const unsigned char bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  const unsigned short sum = nefia_internet_checksum(bytes, sizeof bytes);
  const auto* in_memory = reinterpret_cast<const unsigned char*>(&sum);
  EXPECT_EQ(in_memory[0], 0xdd);
  EXPECT_EQ(in_memory[1], 0xf2);
}

TEST(InternetChecksum, CarriesFoldBackAcrossLongRunsOfOnes) {
  std::vector<unsigned char> ones(65535, 0xff);
  for (int length : {1, 2, 3, 15, 16, 17, 65534, 65535}) {
    EXPECT_EQ(nefia_internet_checksum(ones.data(), length), lwip_standard_chksum(ones.data(), length)) << length;
  }
  EXPECT_EQ(nefia_internet_checksum(ones.data(), 0), 0);
  EXPECT_EQ(nefia_internet_checksum(ones.data(), -1), 0);
}

}  // namespace
