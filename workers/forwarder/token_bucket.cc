// Token bucket for pacing (token_bucket.h).
#include "workers/forwarder/token_bucket.h"

#include <algorithm>

namespace nefia::forwarder {

bool TokenBucket::take(uint32_t nowMs, uint32_t bytes, uint64_t ratePerMs) {
  if (started_) {
    const uint64_t elapsed = static_cast<uint32_t>(nowMs - lastMs_);
    tokens_ = std::min(kBurstBytes, tokens_ + elapsed * ratePerMs);
  }
  started_ = true;
  lastMs_ = nowMs;
  if (tokens_ < bytes) return false;
  tokens_ -= bytes;
  return true;
}

uint32_t TokenBucket::millisecondsUntil(uint32_t bytes, uint64_t ratePerMs) const {
  if (tokens_ >= bytes || ratePerMs == 0) return 1;
  const uint64_t missing = bytes - tokens_;
  return static_cast<uint32_t>(std::max<uint64_t>(1, (missing + ratePerMs - 1) / ratePerMs));
}

}  // namespace nefia::forwarder
