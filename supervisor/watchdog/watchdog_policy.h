// Every watchdog decision as arithmetic over the monotonic clock: check cadence, stale peers, when to
// rebuild the tunnel, back-off and cooldown. It owns no timer, process or socket and never gives up.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/config/agent_config.h"

namespace nefia::supervisor {

using WatchdogClock = std::chrono::steady_clock;
using WatchdogTime = WatchdogClock::time_point;

// How long a status request may stay unanswered before it counts as failed (all peers stale).
inline constexpr Duration kStatusAnswerTimeout = std::chrono::seconds(5);
// Handshake times were whole RFC 3339 seconds; now Unix ms, the margin is kept for a rebuild in the same second.
inline constexpr Duration kHandshakeTimeResolution = std::chrono::seconds(1);

// The defaults are the product's timings, which have one home: TestingConfig in agent_config.h.
struct WatchdogTimings {
  Duration healthyInterval = TestingConfig{}.watchdogHealthyInterval;
  Duration unhealthyInterval = TestingConfig{}.watchdogUnhealthyInterval;
  Duration initialBackoff = TestingConfig{}.rebuildInitialBackoff;
  Duration maxBackoff = TestingConfig{}.rebuildMaxBackoff;
  Duration cooldown = TestingConfig{}.rebuildCooldown;
  Duration handshakeDeadline = TestingConfig{}.rebuildHandshakeDeadline;
  Duration staleAfter = std::chrono::seconds(180);  // WireGuard's reject-after time
  Duration statusTimeout = kStatusAnswerTimeout;

  // The `testing:` durations; the status timeout is at most half the unhealthy interval, so that an
  // answer is judged before the next check is due.
  static WatchdogTimings from(const TestingConfig& testing);
};

// One peer as the tunnel reported it, with its handshake moved onto the monotonic clock.
struct PeerSnapshot {
  std::string publicKey;
  std::optional<WatchdogTime> lastHandshake;  // none in this tunnel incarnation yet
};

enum class WatchdogState {
  kHealthy,      // an endpoint peer has a live handshake, or there is no endpoint peer
  kSuspect,      // the last check found every endpoint peer stale; one more such check rebuilds
  kWaiting,      // back-off before the next rebuild
  kCoolingDown,  // the long wait after every second consecutive failed rebuild
  kVerifying,    // rebuilt; an endpoint peer must complete a handshake within the deadline
};
const char* toString(WatchdogState state);  // "healthy", "suspect", "waiting", "cooling_down", "verifying"

enum class WatchdogAction { kNone, kRequestStatus, kRebuild };

class WatchdogPolicy {
 public:
  WatchdogPolicy(WatchdogTimings timings, WatchdogTime now);

  // The configured peers (at start and after every reload). Only peers configured with an endpoint
  // count: incoming-only peers are reported but never trigger a rebuild, even once they have roamed in.
  void setPeers(const std::vector<PeerEntry>& peers);

  // The wait before rebuild k (1-based, counted since the last healthy moment): the cooldown when k-1
  // is a positive even number of consecutive failures, else min(initialBackoff * 2^(k-1), maxBackoff).
  static Duration waitBeforeRebuild(const WatchdogTimings& timings, uint64_t rebuildNumber);
  static bool cooldownBeforeRebuild(uint64_t rebuildNumber);

  // When onTimer() wants to run next; it may already have passed.
  WatchdogTime nextWakeup() const;
  // Call at nextWakeup(). At most one action per call; call nextWakeup() again afterwards. A rebuild that
  // falls due is preceded by one more status request (a tunnel that healed during the wait is kept).
  WatchdogAction onTimer(WatchdogTime now);
  // Every status report from the tunnel (answers to our requests and the supervisor's own polls), or
  // nullopt when a request failed. Only the first report after a kRequestStatus counts as a check; any
  // report that shows a live endpoint peer ends a rebuild sequence at once.
  void onPeerStatus(WatchdogTime now, const std::optional<std::vector<PeerSnapshot>>& peers);
  // Local addresses changed: rebuild at the next onTimer(), even during a back-off or cooldown (not
  // without an endpoint peer: incoming-only peers find us again by roaming).
  void onNetworkChange(WatchdogTime now);

  bool isStale(const PeerSnapshot& peer, WatchdogTime now) const;
  WatchdogState state() const { return state_; }
  bool healthy() const { return state_ == WatchdogState::kHealthy; }
  Duration checkInterval() const;
  uint64_t rebuildCount() const { return rebuildCount_; }
  std::optional<WatchdogTime> lastRebuild() const { return lastRebuild_; }
  uint64_t consecutiveFailures() const { return failures_; }
  uint64_t consecutiveStaleChecks() const { return staleChecks_; }
  std::optional<WatchdogTime> nextRebuildAt() const;
  // Stale flag from the last report (a configured endpoint peer missing from it is stale); false for
  // incoming-only and unknown peers.
  bool peerStale(const std::string& publicKey) const;
  bool anyEndpointPeerStale() const;

 private:
  WatchdogAction requestStatus(WatchdogTime now);
  void applyCheck(WatchdogTime now, bool noEndpointPeer);
  void becomeHealthy(const char* why);
  void scheduleRebuild(WatchdogTime now);
  void rebuildFailed(WatchdogTime now);

  WatchdogTimings timings_;
  WatchdogState state_ = WatchdogState::kHealthy;
  uint64_t failures_ = 0;     // consecutive failed rebuilds since the last healthy moment
  uint64_t staleChecks_ = 0;  // consecutive checks that found every endpoint peer stale
  uint64_t rebuildCount_ = 0;
  std::optional<WatchdogTime> lastRebuild_;
  WatchdogTime nextCheckAt_;
  WatchdogTime rebuildAt_{};
  WatchdogTime verifyUntil_{};
  bool verdictDue_ = false;  // the verification deadline passed; the next check decides
  bool rebuildAtOnce_ = false;  // a network change: no last look at the tunnel before rebuilding
  bool awaitingAnswer_ = false;
  std::optional<WatchdogTime> lastReportAt_;  // any report or failed request
  WatchdogTime requestedAt_{};
  std::set<std::string> endpointPeers_;  // public keys of the peers configured with an endpoint
  std::map<std::string, bool> stale_;    // public key -> stale, as of the last report
};

}  // namespace nefia::supervisor
