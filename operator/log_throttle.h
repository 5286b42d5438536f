// A bound on log lines caused from outside (refused connections, deadlines, garbage): at most N lines per window,
// the rest counted and reported as one summary line once the window is over. Pure logic with an injected clock.
#pragma once

#include <chrono>
#include <cstddef>

#include "operator/rate_limiter.h"

namespace nefia::hub {

class LogThrottle {
 public:
  LogThrottle(std::size_t linesPerWindow, std::chrono::milliseconds window)
      : linesPerWindow_(linesPerWindow), window_(window) {}

  // True: log this line now. False: it is counted for the summary.
  bool allow(SteadyTime now);
  // Lines suppressed in windows that have ended since the last call (0: nothing to report).
  std::size_t takeSuppressed(SteadyTime now);

  std::size_t linesPerWindow() const { return linesPerWindow_; }
  std::chrono::milliseconds window() const { return window_; }

 private:
  void roll(SteadyTime now);

  std::size_t linesPerWindow_;
  std::chrono::milliseconds window_;
  bool started_ = false;
  SteadyTime windowStart_{};
  std::size_t linesInWindow_ = 0;
  std::size_t suppressedInWindow_ = 0;
  std::size_t suppressedReady_ = 0;
};

}  // namespace nefia::hub
