// Tests for formatGoDuration against outputs of Go's time.Duration.String().
// Each expected string was produced by Go; "Uptime: 72h22m0s" in the reference depends on it.
#include "common/config/go_duration.h"

#include <limits>

#include <gtest/gtest.h>

namespace nefia {
namespace {

using namespace std::chrono_literals;

TEST(GoDurationTest, WholeSecondsLikeTheReference) {
  EXPECT_EQ(formatGoDuration(0s), "0s");
  EXPECT_EQ(formatGoDuration(5s), "5s");
  EXPECT_EQ(formatGoDuration(65s), "1m5s");
  EXPECT_EQ(formatGoDuration(60s), "1m0s");
  EXPECT_EQ(formatGoDuration(3600s), "1h0m0s");
  EXPECT_EQ(formatGoDuration(72h + 22min), "72h22m0s");
  EXPECT_EQ(formatGoDuration(-65s), "-1m5s");
}

TEST(GoDurationTest, FractionsAndSubSecondUnits) {
  EXPECT_EQ(formatGoDuration(1500ms), "1.5s");
  EXPECT_EQ(formatGoDuration(1h + 1ns), "1h0m0.000000001s");
  EXPECT_EQ(formatGoDuration(500ms), "500ms");
  EXPECT_EQ(formatGoDuration(1100us), "1.1ms");
  EXPECT_EQ(formatGoDuration(1500ns), "1.5\xc2\xb5s");
  EXPECT_EQ(formatGoDuration(7ns), "7ns");
}

TEST(GoDurationTest, ExtremesDoNotOverflow) {
  EXPECT_EQ(formatGoDuration(std::chrono::nanoseconds(std::numeric_limits<std::int64_t>::max())),
            "2562047h47m16.854775807s");
  EXPECT_EQ(formatGoDuration(std::chrono::nanoseconds(std::numeric_limits<std::int64_t>::min())),
            "-2562047h47m16.854775808s");
}

}  // namespace
}  // namespace nefia
