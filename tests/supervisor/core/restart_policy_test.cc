// Tests for the restart policy: the exact delays of the rule, with a fake clock.
#include "supervisor/core/restart_policy.h"

#include <gtest/gtest.h>

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;
using TimePoint = RestartPolicy::TimePoint;

class RestartPolicyTest : public ::testing::Test {
 protected:
  // Starts an incarnation that reports ready at once and crashes after `lifetime`.
  std::chrono::milliseconds runAndCrash(std::chrono::milliseconds lifetime) {
    policy_.onStarted(now_);
    policy_.onReady(now_);
    now_ += lifetime;
    return policy_.onExit(now_);
  }
  RestartPolicy policy_;
  TimePoint now_{};
};

TEST_F(RestartPolicyTest, CrashAfterHealthyMinuteRestartsAtOnceThenBacksOff) {
  EXPECT_EQ(runAndCrash(61s), 0ms);
  EXPECT_EQ(runAndCrash(1s), 100ms);
  EXPECT_EQ(runAndCrash(1s), 200ms);
  EXPECT_EQ(runAndCrash(1s), 400ms);
}

TEST_F(RestartPolicyTest, BackoffCapsAtThirtySeconds) {
  std::chrono::milliseconds delay{};
  for (int crash = 0; crash < 15; ++crash) delay = runAndCrash(1s);
  EXPECT_EQ(delay, 30s);
}

TEST_F(RestartPolicyTest, SixtySecondsHealthyResetsTheStreak) {
  runAndCrash(61s);
  runAndCrash(1s);
  runAndCrash(1s);
  EXPECT_EQ(runAndCrash(60s), 0ms);
  EXPECT_EQ(runAndCrash(59s), 100ms);
}

TEST_F(RestartPolicyTest, DyingBeforeReadyIsThrottled) {
  for (int crash = 0; crash < 5; ++crash) {
    policy_.onStarted(now_);
    now_ += 10ms;
    EXPECT_EQ(policy_.onExit(now_), 1s) << "crash " << crash;
  }
  policy_.onStarted(now_);
  now_ += 10ms;
  EXPECT_EQ(policy_.onExit(now_), 1600ms);
}

}  // namespace
}  // namespace nefia::supervisor
