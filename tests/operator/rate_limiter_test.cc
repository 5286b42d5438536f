// The hub's per-IP token bucket: burst, refill (an emptied bucket is full again after 30 s), and the reference's
// deterministic eviction order when the table is full.
#include "operator/rate_limiter.h"

#include <gtest/gtest.h>

namespace nefia::hub {
namespace {

using std::chrono::seconds;
const SteadyTime kStart{};

TEST(RateLimiter, BurstOfFiveThenOneEverySixSeconds) {
  RateLimiter limiter({});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("192.0.2.2", kStart)) << i;
  EXPECT_FALSE(limiter.allow("192.0.2.2", kStart));
  EXPECT_TRUE(limiter.allow("192.0.2.3", kStart)) << "other addresses have their own bucket";
  EXPECT_FALSE(limiter.allow("192.0.2.2", kStart + seconds(5)));
  EXPECT_TRUE(limiter.allow("192.0.2.2", kStart + seconds(11)));
  EXPECT_FALSE(limiter.allow("192.0.2.2", kStart + seconds(11)));
}

TEST(RateLimiter, ThirtySecondsRefillsTheWholeBurst) {
  RateLimiter limiter({});
  for (int i = 0; i < 6; ++i) (void)limiter.allow("a", kStart);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("a", kStart + seconds(30))) << i;
  EXPECT_FALSE(limiter.allow("a", kStart + seconds(30)));
}

TEST(RateLimiter, EvictsTheOldestEntryThatStillHasTokens) {
  RateLimiter limiter({5, std::chrono::milliseconds(6000), 3});
  (void)limiter.allow("old-with-tokens", kStart);
  for (int i = 0; i < 6; ++i) (void)limiter.allow("limited", kStart + seconds(1));  // rate-limited, older
  (void)limiter.allow("young", kStart + seconds(2));
  // "limited" is older than "young" but keeps its place: evicting it would reset its limit.
  (void)limiter.allow("new1", kStart + seconds(3));
  EXPECT_FALSE(limiter.tracks("old-with-tokens"));
  EXPECT_TRUE(limiter.tracks("limited"));
  (void)limiter.allow("new2", kStart + seconds(4));
  EXPECT_FALSE(limiter.tracks("young"));
  EXPECT_TRUE(limiter.tracks("limited"));
  EXPECT_FALSE(limiter.allow("limited", kStart + seconds(4)));
  EXPECT_EQ(limiter.size(), 3u);
}

TEST(RateLimiter, EvictsTheOldestWhenAllAreLimited) {
  RateLimiter limiter({1, std::chrono::milliseconds(60000), 2});
  (void)limiter.allow("b", kStart + seconds(1));
  (void)limiter.allow("a", kStart + seconds(2));
  (void)limiter.allow("b", kStart + seconds(3));  // b: seen last, both empty
  (void)limiter.allow("a", kStart + seconds(2));
  EXPECT_TRUE(limiter.allow("c", kStart + seconds(4)));
  EXPECT_FALSE(limiter.tracks("a"));
  EXPECT_TRUE(limiter.tracks("b"));
}

TEST(RateLimiter, RetryAfterIsTheTimeUntilTheNextToken) {
  RateLimiter limiter({});
  EXPECT_EQ(limiter.retryAfter("192.0.2.9", kStart).count(), 0) << "unknown sources may go now";
  for (int i = 0; i < 5; ++i) (void)limiter.allow("192.0.2.9", kStart);
  EXPECT_EQ(limiter.retryAfter("192.0.2.9", kStart).count(), 6000);
  EXPECT_EQ(limiter.retryAfter("192.0.2.9", kStart + seconds(4)).count(), 2000);
  EXPECT_EQ(limiter.retryAfter("192.0.2.9", kStart + seconds(6)).count(), 0);
  EXPECT_TRUE(limiter.allow("192.0.2.9", kStart + seconds(6)));
}

}  // namespace
}  // namespace nefia::hub
