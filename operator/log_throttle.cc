// Fixed windows that start with the first line after a quiet period, so a lone event is always logged at once.
#include "operator/log_throttle.h"

namespace nefia::hub {

void LogThrottle::roll(SteadyTime now) {
  if (started_ && now - windowStart_ < window_) return;
  suppressedReady_ += suppressedInWindow_;
  suppressedInWindow_ = 0;
  linesInWindow_ = 0;
  windowStart_ = now;
  started_ = true;
}

bool LogThrottle::allow(SteadyTime now) {
  roll(now);
  if (linesInWindow_ < linesPerWindow_) {
    ++linesInWindow_;
    return true;
  }
  ++suppressedInWindow_;
  return false;
}

std::size_t LogThrottle::takeSuppressed(SteadyTime now) {
  if (started_ && now - windowStart_ >= window_) {
    suppressedReady_ += suppressedInWindow_;
    suppressedInWindow_ = 0;
    started_ = false;  // the next line starts a new window
  }
  const std::size_t suppressed = suppressedReady_;
  suppressedReady_ = 0;
  return suppressed;
}

}  // namespace nefia::hub
