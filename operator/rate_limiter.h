// Per-IP token bucket for the enrollment listener (burst 5, one token every 6 s, 4096 entries by default) with the
// reference's deterministic eviction when the table is full. Pure logic with an injected clock: no I/O, no threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace nefia::hub {

using SteadyTime = std::chrono::steady_clock::time_point;

struct RateLimiterSettings {
  double burst = 5;
  std::chrono::milliseconds refillInterval{6000};  // one token per interval: an empty bucket waits 30 s for 5
  std::size_t maxEntries = 4096;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterSettings settings) : settings_(settings) {}

  // Takes one token for source; false when its bucket is empty ("too many enrollment requests").
  bool allow(const std::string& source, SteadyTime now);

  // How long until source may make its next request (zero when allow would succeed now): the Retry-After of a 429.
  std::chrono::milliseconds retryAfter(const std::string& source, SteadyTime now) const;

  std::size_t size() const { return entries_.size(); }
  bool tracks(const std::string& source) const { return entries_.count(source) != 0; }

 private:
  struct Entry {
    double tokens = 0;
    SteadyTime lastRefill;
    SteadyTime lastSeen;
  };
  void refill(Entry& entry, SteadyTime now) const;
  // Oldest lastSeen first, preferring entries that still have a token over rate-limited ones, so that a flood of
  // new addresses cannot reset the bucket of a client that is being limited.
  void evictOne(SteadyTime now);

  RateLimiterSettings settings_;
  std::map<std::string, Entry> entries_;
};

}  // namespace nefia::hub
