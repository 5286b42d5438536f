// Pacing of one connection: a token bucket filled at the BBR model's pacing rate (bytes per millisecond of
// lwIP's clock), holding at most kBurstBytes so a short burst still goes at once.
#pragma once

#include <cstdint>

namespace nefia::forwarder {

class TokenBucket {
 public:
  // 64 KiB: a local (sub-millisecond) path is never paced at all, and a millisecond's burst of this size
  // still allows ~500 Mbit/s on a paced one.
  static constexpr uint64_t kBurstBytes = 64 * 1024;

  // Refills for the time since the last call and takes `bytes` if the bucket holds them.
  bool take(uint32_t nowMs, uint32_t bytes, uint64_t ratePerMs);
  // Whole milliseconds (at least 1) until `bytes` are in the bucket at `ratePerMs`.
  uint32_t millisecondsUntil(uint32_t bytes, uint64_t ratePerMs) const;
  uint64_t tokens() const { return tokens_; }

 private:
  uint64_t tokens_ = kBurstBytes;
  uint32_t lastMs_ = 0;
  bool started_ = false;
};

}  // namespace nefia::forwarder
