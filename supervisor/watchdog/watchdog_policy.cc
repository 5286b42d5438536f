// WatchdogPolicy: the check/rebuild state machine. Time only moves through the `now` arguments, so unit
// tests drive it with a fake clock; it logs its decisions but never acts on a process or socket itself.
#include "supervisor/watchdog/watchdog_policy.h"

#include <algorithm>

#include "common/config/go_duration.h"
#include "common/log.h"
#include "workers/tunnel/constants.h"

namespace nefia::supervisor {
namespace {

constexpr const char* kComponent = "watchdog";
constexpr uint64_t kStaleChecksBeforeRebuild = 2;

std::string describe(Duration duration) { return formatShortGoDuration(duration); }

}  // namespace

WatchdogTimings WatchdogTimings::from(const TestingConfig& testing) {
  WatchdogTimings timings;
  timings.healthyInterval = testing.watchdogHealthyInterval;
  timings.unhealthyInterval = testing.watchdogUnhealthyInterval;
  timings.initialBackoff = testing.rebuildInitialBackoff;
  timings.maxBackoff = testing.rebuildMaxBackoff;
  timings.cooldown = testing.rebuildCooldown;
  timings.handshakeDeadline = testing.rebuildHandshakeDeadline;
  timings.staleAfter = wg::kRejectAfterTime;
  timings.statusTimeout = std::min<Duration>(kStatusAnswerTimeout, testing.watchdogUnhealthyInterval / 2);
  return timings;
}

const char* toString(WatchdogState state) {
  switch (state) {
    case WatchdogState::kHealthy: return "healthy";
    case WatchdogState::kSuspect: return "suspect";
    case WatchdogState::kWaiting: return "waiting";
    case WatchdogState::kCoolingDown: return "cooling_down";
    case WatchdogState::kVerifying: return "verifying";
  }
  return "unknown";
}

WatchdogPolicy::WatchdogPolicy(WatchdogTimings timings, WatchdogTime now)
    // Nothing is known about the tunnel yet, so the first check comes at the short interval.
    : timings_(timings), nextCheckAt_(now + timings.unhealthyInterval) {}

bool WatchdogPolicy::cooldownBeforeRebuild(uint64_t rebuildNumber) {
  const uint64_t failuresBefore = rebuildNumber == 0 ? 0 : rebuildNumber - 1;
  return failuresBefore >= 2 && failuresBefore % 2 == 0;
}

Duration WatchdogPolicy::waitBeforeRebuild(const WatchdogTimings& timings, uint64_t rebuildNumber) {
  if (cooldownBeforeRebuild(rebuildNumber)) return timings.cooldown;
  Duration wait = timings.initialBackoff;
  // Doubling stops at the cap, so a sequence that never ends cannot overflow.
  for (uint64_t k = 1; k < rebuildNumber && wait > Duration::zero() && wait < timings.maxBackoff; ++k) wait *= 2;
  return std::min(wait, timings.maxBackoff);
}

Duration WatchdogPolicy::checkInterval() const {
  return healthy() ? timings_.healthyInterval : timings_.unhealthyInterval;
}

std::optional<WatchdogTime> WatchdogPolicy::nextRebuildAt() const {
  if (state_ == WatchdogState::kWaiting || state_ == WatchdogState::kCoolingDown) return rebuildAt_;
  return std::nullopt;
}

WatchdogTime WatchdogPolicy::nextWakeup() const {
  WatchdogTime next = awaitingAnswer_ ? requestedAt_ + timings_.statusTimeout : nextCheckAt_;
  // A due rebuild waits for the pending answer (see onTimer), unless a network change wants it now.
  if (auto rebuildAt = nextRebuildAt(); rebuildAt && (!awaitingAnswer_ || rebuildAtOnce_)) {
    next = std::min(next, *rebuildAt);
  }
  if (state_ == WatchdogState::kVerifying && !verdictDue_) next = std::min(next, verifyUntil_);
  return next;
}

WatchdogAction WatchdogPolicy::onTimer(WatchdogTime now) {
  if (awaitingAnswer_ && now >= requestedAt_ + timings_.statusTimeout) {
    logWarn(kComponent, "the tunnel did not answer a status request within ", describe(timings_.statusTimeout),
            "; every peer counts as stale");
    onPeerStatus(now, std::nullopt);
  }
  if (auto rebuildAt = nextRebuildAt(); rebuildAt && now >= *rebuildAt) {
    // The tunnel's own retries may have healed it during the wait: look once more before replacing it.
    // A network change does not wait for that look; the old path is gone.
    const bool reportSinceDue = lastReportAt_ && *lastReportAt_ >= *rebuildAt;
    if (!rebuildAtOnce_ && !reportSinceDue) return awaitingAnswer_ ? WatchdogAction::kNone : requestStatus(now);
    rebuildAtOnce_ = false;
    ++rebuildCount_;
    lastRebuild_ = now;
    state_ = WatchdogState::kVerifying;
    verifyUntil_ = now + timings_.handshakeDeadline;
    verdictDue_ = false;
    staleChecks_ = 0;
    awaitingAnswer_ = false;  // the incarnation that was asked is about to be replaced
    nextCheckAt_ = now + timings_.unhealthyInterval;
    logWarn(kComponent, "rebuilding the tunnel (rebuild ", failures_ + 1, " since it was last healthy, ", rebuildCount_,
            " in total); an endpoint peer must complete a handshake within ", describe(timings_.handshakeDeadline));
    return WatchdogAction::kRebuild;
  }
  if (state_ == WatchdogState::kVerifying && !verdictDue_ && now >= verifyUntil_) {
    verdictDue_ = true;  // the answer to the next (or the pending) request decides
    return awaitingAnswer_ ? WatchdogAction::kNone : requestStatus(now);
  }
  if (!awaitingAnswer_ && now >= nextCheckAt_) return requestStatus(now);
  return WatchdogAction::kNone;
}

WatchdogAction WatchdogPolicy::requestStatus(WatchdogTime now) {
  awaitingAnswer_ = true;
  requestedAt_ = now;
  return WatchdogAction::kRequestStatus;
}

void WatchdogPolicy::setPeers(const std::vector<PeerEntry>& peers) {
  endpointPeers_.clear();
  for (const PeerEntry& peer : peers) {
    if (!peer.endpoint.empty()) endpointPeers_.insert(peer.publicKey);
  }
  std::erase_if(stale_, [this](const auto& entry) { return !endpointPeers_.contains(entry.first); });
}

bool WatchdogPolicy::isStale(const PeerSnapshot& peer, WatchdogTime now) const {
  if (!endpointPeers_.contains(peer.publicKey)) return false;
  if (!peer.lastHandshake) return true;
  if (now - *peer.lastHandshake > timings_.staleAfter) return true;
  return lastRebuild_ && *peer.lastHandshake + kHandshakeTimeResolution < *lastRebuild_;
}

bool WatchdogPolicy::peerStale(const std::string& publicKey) const {
  auto found = stale_.find(publicKey);
  return found != stale_.end() && found->second;
}

bool WatchdogPolicy::anyEndpointPeerStale() const {
  return std::any_of(stale_.begin(), stale_.end(), [](const auto& entry) { return entry.second; });
}

void WatchdogPolicy::onPeerStatus(WatchdogTime now, const std::optional<std::vector<PeerSnapshot>>& peers) {
  lastReportAt_ = now;
  const bool isCheck = awaitingAnswer_ || !peers;
  if (!awaitingAnswer_ && !peers) requestedAt_ = now;
  if (isCheck) awaitingAnswer_ = false;
  // A configured endpoint peer that the report leaves out (a tunnel not configured yet) is stale too.
  stale_.clear();
  for (const std::string& publicKey : endpointPeers_) stale_[publicKey] = true;
  bool anyLive = false;
  if (peers) {
    for (const PeerSnapshot& peer : *peers) {
      if (!endpointPeers_.contains(peer.publicKey)) continue;
      const bool stale = isStale(peer, now);
      stale_[peer.publicKey] = stale;
      anyLive = anyLive || !stale;
    }
  }
  if (anyLive) becomeHealthy("an endpoint peer has a live handshake");
  if (!isCheck) return;
  if (!anyLive) applyCheck(now, endpointPeers_.empty());
  nextCheckAt_ = requestedAt_ + checkInterval();
}

void WatchdogPolicy::applyCheck(WatchdogTime now, bool noEndpointPeer) {
  if (noEndpointPeer) {
    // Incoming-only peers are reported but never trigger a rebuild: the operator has to reach us.
    if (!healthy()) becomeHealthy("no peer has an endpoint, so there is nothing to rebuild for");
    return;
  }
  switch (state_) {
    case WatchdogState::kHealthy:
    case WatchdogState::kSuspect:
      ++staleChecks_;
      if (staleChecks_ < kStaleChecksBeforeRebuild) {
        state_ = WatchdogState::kSuspect;
        logWarn(kComponent, "every endpoint peer is stale (check ", staleChecks_, " of ", kStaleChecksBeforeRebuild,
                " before a rebuild)");
        return;
      }
      logWarn(kComponent, "every endpoint peer was stale for ", kStaleChecksBeforeRebuild, " consecutive checks");
      scheduleRebuild(now);
      return;
    case WatchdogState::kVerifying:
      if (verdictDue_) rebuildFailed(now);
      return;
    case WatchdogState::kWaiting:
    case WatchdogState::kCoolingDown: return;  // the wait continues; the tunnel's own retries may heal it first
  }
}

void WatchdogPolicy::becomeHealthy(const char* why) {
  if (state_ != WatchdogState::kHealthy || failures_ > 0) {
    logInfo(kComponent, "tunnel healthy again: ", why, " (", failures_, " failed rebuilds before)");
  }
  state_ = WatchdogState::kHealthy;
  rebuildAtOnce_ = false;
  failures_ = 0;
  staleChecks_ = 0;
  verdictDue_ = false;
}

void WatchdogPolicy::scheduleRebuild(WatchdogTime now) {
  const uint64_t rebuildNumber = failures_ + 1;
  const Duration wait = waitBeforeRebuild(timings_, rebuildNumber);
  rebuildAt_ = now + wait;
  if (cooldownBeforeRebuild(rebuildNumber)) {
    state_ = WatchdogState::kCoolingDown;
    logWarn(kComponent, "cooldown: ", failures_, " consecutive rebuilds failed; rebuild ", rebuildNumber, " in ",
            describe(wait), " unless a handshake or a network change comes first");
  } else {
    state_ = WatchdogState::kWaiting;
    logWarn(kComponent, "rebuild ", rebuildNumber, " in ", describe(wait));
  }
}

void WatchdogPolicy::rebuildFailed(WatchdogTime now) {
  ++failures_;
  verdictDue_ = false;
  logWarn(kComponent, "rebuild failed: no endpoint peer completed a handshake within ",
          describe(timings_.handshakeDeadline), " (", failures_, " consecutive failures)");
  scheduleRebuild(now);
}

void WatchdogPolicy::onNetworkChange(WatchdogTime now) {
  if (endpointPeers_.empty()) {
    logInfo(kComponent, "network change: no peer has an endpoint, so there is nothing to rebuild for");
    return;
  }
  logInfo(kComponent, "network change: rebuilding the tunnel now",
          state_ == WatchdogState::kCoolingDown ? " (cutting the cooldown short)" : "");
  state_ = WatchdogState::kWaiting;
  rebuildAt_ = now;
  rebuildAtOnce_ = true;
  verdictDue_ = false;
}

}  // namespace nefia::supervisor
