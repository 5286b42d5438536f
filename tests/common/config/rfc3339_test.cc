// Tests for RFC 3339 parsing/formatting (agent_token_expires_at, health report times).
// Impossible dates must be refused rather than rolled over to the next month.
#include "common/config/rfc3339.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

using namespace std::chrono;

TEST(Rfc3339Test, ParsesUtcOffsetsAndFractions) {
  const WallTime expected = sys_days{year{2026} / June / 1};
  auto utc = parseRfc3339("2026-06-01T00:00:00Z");
  ASSERT_TRUE(utc.ok()) << utc.error();
  EXPECT_EQ(utc.value(), expected);
  auto tokyo = parseRfc3339("2026-06-01T09:00:00+09:00");
  ASSERT_TRUE(tokyo.ok()) << tokyo.error();
  EXPECT_EQ(tokyo.value(), expected);
  auto fraction = parseRfc3339("2026-05-31T23:59:59.25-00:30");
  ASSERT_TRUE(fraction.ok()) << fraction.error();
  EXPECT_EQ(fraction.value(), expected + minutes(30) - milliseconds(750));
  EXPECT_TRUE(parseRfc3339("2028-02-29T12:00:00Z").ok());
}

TEST(Rfc3339Test, RejectsMalformedAndImpossibleTimes) {
  for (const char* bad : {"", "2026-06-01", "2026-06-01 00:00:00Z", "2026-06-01t00:00:00z", "2026-06-01T00:00:00",
                          "2026-02-30T00:00:00Z", "2027-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-06-01T24:00:00Z", "2026-06-01T00:60:00Z", "2026-06-01T00:00:60Z",
                          "2026-06-01T00:00:00.Z", "2026-06-01T00:00:00+0900", "2026-06-01T00:00:00+24:00",
                          "2026-06-01T00:00:00Zjunk", "26-06-01T00:00:00Z"}) {
    EXPECT_FALSE(parseRfc3339(bad).ok()) << bad;
  }
  EXPECT_EQ(parseRfc3339("tomorrow").error(),
            "\"tomorrow\" is not an RFC 3339 time; use the form 2026-06-01T00:00:00Z or 2026-06-01T09:00:00+09:00");
}

TEST(Rfc3339Test, FormatsUtcWholeSeconds) {
  const system_clock::time_point time = sys_days{year{2026} / February / 28} + hours(8) + minutes(12) + milliseconds(900);
  EXPECT_EQ(formatRfc3339(time), "2026-02-28T08:12:00Z");
}

}  // namespace
}  // namespace nefia
