// Tests for Go duration syntax: the same inputs Go's time.ParseDuration accepts and rejects.
// A config written for the Go agent must mean the same interval here.
#include "common/config/go_duration.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

struct GoodDuration {
  const char* text;
  Duration expected;
};

TEST(GoDurationTest, AcceptsGoSyntax) {
  const GoodDuration cases[] = {
      {"0", Duration::zero()},
      {"+0", Duration::zero()},
      {"-0", Duration::zero()},
      {"0s", Duration::zero()},
      {"30s", seconds(30)},
      {"5m", minutes(5)},
      {"1h30m", minutes(90)},
      {"300ms", milliseconds(300)},
      {"1.5h", minutes(90)},
      {".5s", milliseconds(500)},
      {"1.s", seconds(1)},
      {"10ns", nanoseconds(10)},
      {"7us", microseconds(7)},
      {"7\xC2\xB5s", microseconds(7)},
      {"7\xCE\xBCs", microseconds(7)},
      {"1h2m3s4ms5us6ns", hours(1) + minutes(2) + seconds(3) + milliseconds(4) + microseconds(5) + nanoseconds(6)},
      {"-1.5m", -seconds(90)},
      {"2562047h47m16.854775807s", nanoseconds(INT64_MAX)},
  };
  for (const GoodDuration& good : cases) {
    auto parsed = parseGoDuration(good.text);
    ASSERT_TRUE(parsed.ok()) << good.text << ": " << parsed.error();
    EXPECT_EQ(parsed.value(), good.expected) << good.text;
  }
}

TEST(GoDurationTest, RejectsWhatGoRejects) {
  const char* cases[] = {"", "30", "00", "5", "s", ".s", ".", "-", "+", "1x", "1 s", " 1s", "1s ", "1S",
                         "5m30", "1h-5m", "--1s", "1e3s", "9223372036854775808ns", "2562048h"};
  for (const char* bad : cases) {
    auto parsed = parseGoDuration(bad);
    EXPECT_FALSE(parsed.ok()) << '"' << bad << "\" was accepted";
  }
}

TEST(GoDurationTest, ErrorExplainsTheProblemAndTheSyntax) {
  auto missingUnit = parseGoDuration("30");
  ASSERT_FALSE(missingUnit.ok());
  EXPECT_EQ(missingUnit.error(),
            "\"30\" is not a duration: missing unit; use Go syntax such as 30s, 5m, 1h30m or 300ms");
  auto unknownUnit = parseGoDuration("5x");
  ASSERT_FALSE(unknownUnit.ok());
  EXPECT_EQ(unknownUnit.error(),
            "\"5x\" is not a duration: unknown unit \"x\"; use Go syntax such as 30s, 5m, 1h30m or 300ms");
}

TEST(GoDurationTest, FormatsLikeGo) {
  EXPECT_EQ(formatGoDuration(Duration::zero()), "0s");
  EXPECT_EQ(formatGoDuration(minutes(90)), "1h30m0s");
  EXPECT_EQ(formatGoDuration(minutes(5)), "5m0s");
  EXPECT_EQ(formatGoDuration(seconds(30)), "30s");
  EXPECT_EQ(formatGoDuration(milliseconds(300)), "300ms");
  EXPECT_EQ(formatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(formatGoDuration(microseconds(1)), "1\xC2\xB5s");
  EXPECT_EQ(formatGoDuration(nanoseconds(1100)), "1.1\xC2\xB5s");
  EXPECT_EQ(formatGoDuration(nanoseconds(12)), "12ns");
  EXPECT_EQ(formatGoDuration(-seconds(90)), "-1m30s");
  EXPECT_EQ(formatGoDuration(hours(72) + minutes(22)), "72h22m0s");
  EXPECT_EQ(formatGoDuration(nanoseconds(INT64_MIN)), "-2562047h47m16.854775808s");
}

TEST(GoDurationTest, ShortFormDropsZeroTrailingUnits) {
  EXPECT_EQ(formatShortGoDuration(minutes(5)), "5m");
  EXPECT_EQ(formatShortGoDuration(hours(1)), "1h");
  EXPECT_EQ(formatShortGoDuration(minutes(90)), "1h30m");
  EXPECT_EQ(formatShortGoDuration(hours(1) + seconds(1)), "1h0m1s");
  EXPECT_EQ(formatShortGoDuration(seconds(30)), "30s");
  EXPECT_EQ(formatShortGoDuration(-minutes(2)), "-2m");
  EXPECT_EQ(formatShortGoDuration(Duration::zero()), "0s");
  EXPECT_EQ(formatShortGoDuration(milliseconds(300)), "300ms");
}

TEST(GoDurationTest, FormattedTextParsesBack) {
  const Duration values[] = {Duration::zero(), nanoseconds(1), milliseconds(1500), minutes(90), hours(1000),
                             nanoseconds(INT64_MAX), -milliseconds(7)};
  for (const Duration value : values) {
    for (const std::string& text : {formatGoDuration(value), formatShortGoDuration(value)}) {
      auto parsed = parseGoDuration(text);
      ASSERT_TRUE(parsed.ok()) << text;
      EXPECT_EQ(parsed.value(), value) << text;
    }
  }
}

}  // namespace
}  // namespace nefia
