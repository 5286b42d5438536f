// Token-bucket arithmetic and eviction order of the hub's rate limiter. Ties in lastSeen are broken by the source
// text so that eviction is deterministic.
#include "operator/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace nefia::hub {

void RateLimiter::refill(Entry& entry, SteadyTime now) const {
  if (now <= entry.lastRefill) return;
  const double elapsed = std::chrono::duration<double>(now - entry.lastRefill).count();
  const double interval = std::chrono::duration<double>(settings_.refillInterval).count();
  entry.tokens = std::min(settings_.burst, entry.tokens + elapsed / interval);
  entry.lastRefill = now;
}

void RateLimiter::evictOne(SteadyTime now) {
  auto victim = entries_.end();
  bool victimHasTokens = false;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    refill(it->second, now);
    const bool hasTokens = it->second.tokens >= 1;
    if (victim == entries_.end() || (hasTokens && !victimHasTokens) ||
        (hasTokens == victimHasTokens && it->second.lastSeen < victim->second.lastSeen)) {
      victim = it;
      victimHasTokens = hasTokens;
    }
  }
  if (victim != entries_.end()) entries_.erase(victim);
}

bool RateLimiter::allow(const std::string& source, SteadyTime now) {
  auto it = entries_.find(source);
  if (it == entries_.end()) {
    if (settings_.maxEntries == 0) return false;
    if (entries_.size() >= settings_.maxEntries) evictOne(now);
    it = entries_.emplace(source, Entry{settings_.burst, now, now}).first;
  }
  Entry& entry = it->second;
  refill(entry, now);
  entry.lastSeen = now;
  if (entry.tokens < 1) return false;
  entry.tokens -= 1;
  return true;
}

std::chrono::milliseconds RateLimiter::retryAfter(const std::string& source, SteadyTime now) const {
  const auto it = entries_.find(source);
  if (it == entries_.end()) return std::chrono::milliseconds(0);
  Entry entry = it->second;
  refill(entry, now);
  if (entry.tokens >= 1) return std::chrono::milliseconds(0);
  const double missing = 1 - entry.tokens;
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::ceil(missing * static_cast<double>(settings_.refillInterval.count()) - 1e-6)));
}

}  // namespace nefia::hub
