// Sliding anti-replay window for transport counters (RFC 6479 ring of 64-bit blocks): accepts each counter at
// most once and anything older than the window never. At least 2048 packets of reordering are tolerated.
#pragma once

#include <array>
#include <cstdint>

#include "workers/tunnel/constants.h"

namespace nefia::wg {

class ReplayWindow {
 public:
  static constexpr uint64_t kWindowSize = (kReplayWindowBlocks - 1) * 64;
  static_assert(kWindowSize >= 2048, "the brief requires a window of at least 2048 packets");

  void reset();
  // True (and remembers the counter) when it was not seen before, is within the window and below
  // kRejectAfterMessages.
  bool accept(uint64_t counter);

 private:
  uint64_t last_ = 0;
  std::array<uint64_t, kReplayWindowBlocks> blocks_{};
};

}  // namespace nefia::wg
