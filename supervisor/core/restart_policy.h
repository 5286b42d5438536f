// Per-worker restart policy (Postfix master style): when to start the next incarnation after an exit.
// Pure arithmetic over the monotonic clock; the caller owns timers and processes.
#pragma once

#include <chrono>
#include <optional>

namespace nefia::supervisor {

struct RestartPolicySettings {
  std::chrono::milliseconds healthyPeriod{60'000};   // ready this long = healthy again, back-off resets
  std::chrono::milliseconds initialBackoff{100};     // second crash of a streak waits this long
  std::chrono::milliseconds maxBackoff{30'000};      // back-off doubles up to this
  std::chrono::milliseconds notReadyThrottle{1'000}; // minimum wait after dying before it reported ready
};

class RestartPolicy {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit RestartPolicy(RestartPolicySettings settings = {}) : settings_(settings) {}

  void onStarted(TimePoint now);
  void onReady(TimePoint now);
  // The incarnation exited at `now`: returns how long to wait before starting the next one.
  std::chrono::milliseconds onExit(TimePoint now);

  int crashStreak() const { return crashStreak_; }

 private:
  RestartPolicySettings settings_;
  std::optional<TimePoint> readySince_;
  int crashStreak_ = 0;  // exits since the worker was last healthy
};

}  // namespace nefia::supervisor
