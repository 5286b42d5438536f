// Tests for RFC 3339 formatting and strict parsing (offsets, fractions, invalid dates).
// The health report's timestamps and the status command's staleness check depend on these.
#include "common/health/rfc3339.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

using std::chrono::system_clock;

system_clock::time_point at(std::int64_t unixSeconds) { return system_clock::from_time_t(unixSeconds); }

TEST(Rfc3339Test, FormatsUtcWithWholeSeconds) {
  EXPECT_EQ(formatRfc3339(at(1772266320) + std::chrono::milliseconds(999)), "2026-02-28T08:12:00Z");
}

TEST(Rfc3339Test, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(parseRfc3339("2026-02-28T08:12:00Z"), at(1772266320));
  EXPECT_EQ(parseRfc3339("2026-02-28T17:12:00+09:00"), at(1772266320));
  EXPECT_EQ(parseRfc3339("2026-02-28T07:42:00-00:30"), at(1772266320));
  EXPECT_EQ(parseRfc3339("2026-02-28t08:12:00.5z"), at(1772266320) + std::chrono::milliseconds(500));
}

TEST(Rfc3339Test, RejectsAnythingIncompleteOrImpossible) {
  for (const char* text : {"", "2026-02-28", "2026-02-28T08:12:00", "2026-02-29T08:12:00Z", "2026-13-01T00:00:00Z",
                           "2026-02-28 08:12:00Z", "2026-02-28T08:12:00.Z", "2026-02-28T08:12:00+0900",
                           "2026-02-28T08:12:00Zjunk", "yesterday"}) {
    EXPECT_FALSE(parseRfc3339(text)) << text;
  }
  EXPECT_TRUE(parseRfc3339("2028-02-29T00:00:00Z"));
}

}  // namespace
}  // namespace nefia
