// Restart policy: immediate restart after a healthy run, exponential back-off within a crash streak,
// and a throttle for workers that die before they report ready (never a hot loop).
#include "supervisor/core/restart_policy.h"

#include <algorithm>
#include <cstdint>

namespace nefia::supervisor {

void RestartPolicy::onStarted(TimePoint) { readySince_.reset(); }

void RestartPolicy::onReady(TimePoint now) { readySince_ = now; }

std::chrono::milliseconds RestartPolicy::onExit(TimePoint now) {
  using std::chrono::milliseconds;
  const bool wasReady = readySince_.has_value();
  const bool healthy = wasReady && now - *readySince_ >= settings_.healthyPeriod;
  readySince_.reset();
  if (healthy) {
    crashStreak_ = 1;
    return milliseconds{0};
  }
  const int doublings = std::min(std::max(crashStreak_ - 1, 0), 20);
  milliseconds delay = std::min<milliseconds>(settings_.initialBackoff * (int64_t{1} << doublings), settings_.maxBackoff);
  if (!wasReady) delay = std::max<milliseconds>(delay, settings_.notReadyThrottle);
  ++crashStreak_;
  return delay;
}

}  // namespace nefia::supervisor
