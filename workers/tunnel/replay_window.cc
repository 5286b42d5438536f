// RFC 6479: moving forward clears whole blocks instead of shifting bits, so each check is O(1) amortised.
// Must update state only for counters it accepts.
#include "workers/tunnel/replay_window.h"

namespace nefia::wg {

void ReplayWindow::reset() {
  last_ = 0;
  blocks_.fill(0);
}

bool ReplayWindow::accept(uint64_t counter) {
  if (counter >= kRejectAfterMessages) return false;
  constexpr uint64_t kBlockMask = kReplayWindowBlocks - 1;
  static_assert((kReplayWindowBlocks & kBlockMask) == 0, "block count must be a power of two");
  uint64_t block = counter >> 6;
  if (counter > last_) {
    const uint64_t currentBlock = last_ >> 6;
    uint64_t toClear = block - currentBlock;
    if (toClear > kReplayWindowBlocks) toClear = kReplayWindowBlocks;
    for (uint64_t i = currentBlock + 1; toClear > 0; ++i, --toClear) blocks_[i & kBlockMask] = 0;
    last_ = counter;
  } else if (last_ - counter > kWindowSize) {
    return false;
  }
  block &= kBlockMask;
  const uint64_t bit = uint64_t{1} << (counter & 63);
  const uint64_t before = blocks_[block];
  blocks_[block] = before | bit;
  return (before & bit) == 0;
}

}  // namespace nefia::wg
