// WatchdogPolicy on a fake clock: check cadence, stale rule, back-off and cooldown arithmetic, exactly.
// A simulated tunnel answers every status request at once; the tests only move time forward.
#include "supervisor/watchdog/watchdog_policy.h"

#include <functional>
#include <limits>

#include <gtest/gtest.h>

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;

constexpr const char* kOperator = "operator-key";
constexpr const char* kIncoming = "incoming-key";
const WatchdogTime kStart{};  // the fake clock's zero

std::vector<PeerEntry> endpointPeer() { return {{kOperator, "192.0.2.1:51821", "10.99.0.1", 25s}}; }

// Drives a policy through time: answers requests with `tunnel(now)` and records rebuild times.
class Simulation {
 public:
  explicit Simulation(std::vector<PeerEntry> peers = endpointPeer(), WatchdogTimings timings = {})
      : policy(timings, kStart) {
    policy.setPeers(peers);
  }

  // Runs every wakeup up to and including `until` (seconds since the start).
  void runUntil(Duration until) {
    while (policy.nextWakeup() <= kStart + until) {
      const WatchdogTime now = std::max(policy.nextWakeup(), clock);
      clock = now;
      switch (policy.onTimer(now)) {
        case WatchdogAction::kRequestStatus:
          ++requests;
          if (answer) policy.onPeerStatus(now, tunnel(now));
          break;
        case WatchdogAction::kRebuild: rebuilds.push_back(now - kStart); break;
        case WatchdogAction::kNone: break;
      }
    }
    clock = kStart + until;
  }

  WatchdogPolicy policy;
  WatchdogTime clock = kStart;
  bool answer = true;  // false: the tunnel never answers a status request
  // Default: the operator's peer never completes a handshake.
  std::function<std::optional<std::vector<PeerSnapshot>>(WatchdogTime)> tunnel = [](WatchdogTime) {
    return std::vector<PeerSnapshot>{{kOperator, std::nullopt}};
  };
  std::vector<Duration> rebuilds;
  int requests = 0;
};

std::vector<PeerSnapshot> handshakeAt(WatchdogTime time) { return {{kOperator, time}}; }

TEST(WatchdogPolicyArithmetic, WaitBeforeEachRebuildDoublesFromFiveSecondsWithCooldownAfterEverySecondFailure) {
  const WatchdogTimings timings;
  const std::vector<Duration> expected = {5s, 10s, 30min, 40s, 30min, 160s, 30min, 300s, 30min, 300s};
  for (uint64_t k = 1; k <= expected.size(); ++k) {
    EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, k), expected[k - 1]) << "rebuild " << k;
  }
}

TEST(WatchdogPolicyArithmetic, BackoffIsCappedAtFiveMinutesAndNeverOverflows) {
  const WatchdogTimings timings;
  EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, 1000), 300s);
  EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, 1001), 30min);
  EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, std::numeric_limits<uint64_t>::max() - 1), 300s);
  EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, std::numeric_limits<uint64_t>::max()), 30min);
}

TEST(WatchdogPolicyArithmetic, TimingsComeFromTheTestingSection) {
  TestingConfig testing;
  testing.watchdogHealthyInterval = 2s;
  testing.watchdogUnhealthyInterval = 500ms;
  testing.rebuildInitialBackoff = 100ms;
  testing.rebuildMaxBackoff = 1s;
  testing.rebuildCooldown = 3s;
  testing.rebuildHandshakeDeadline = 700ms;
  const WatchdogTimings timings = WatchdogTimings::from(testing);
  EXPECT_EQ(timings.healthyInterval, 2s);
  EXPECT_EQ(timings.unhealthyInterval, 500ms);
  EXPECT_EQ(timings.handshakeDeadline, 700ms);
  EXPECT_EQ(timings.statusTimeout, 250ms);  // half the unhealthy interval, below the 5 s default
  EXPECT_EQ(timings.staleAfter, 180s);
  EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, 2), 200ms);
  EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, 3), 3s);
  EXPECT_EQ(WatchdogPolicy::waitBeforeRebuild(timings, 6), 1s);
  EXPECT_EQ(WatchdogTimings::from(TestingConfig{}).statusTimeout, 5s);
}

TEST(WatchdogPolicyStale, EndpointPeerIsStaleAfter180SecondsWithoutHandshakeOrWithNone) {
  WatchdogPolicy policy({}, kStart);
  policy.setPeers(endpointPeer());
  const WatchdogTime now = kStart + 1h;
  EXPECT_FALSE(policy.isStale({kOperator, now - 180s}, now));
  EXPECT_TRUE(policy.isStale({kOperator, now - 181s}, now));
  EXPECT_TRUE(policy.isStale({kOperator, std::nullopt}, now));
}

TEST(WatchdogPolicyStale, IncomingOnlyPeersAreNeverStale) {
  WatchdogPolicy policy({}, kStart);
  policy.setPeers({{kIncoming, "", "10.99.0.3", 0s}});
  EXPECT_FALSE(policy.isStale({kIncoming, std::nullopt}, kStart + 1h));
  policy.onPeerStatus(kStart + 1h, std::vector<PeerSnapshot>{{kIncoming, std::nullopt}});
  EXPECT_FALSE(policy.peerStale(kIncoming));
  EXPECT_FALSE(policy.anyEndpointPeerStale());
}

TEST(WatchdogPolicyStale, AHandshakeFromBeforeTheLastRebuildIsStale) {
  Simulation sim;
  sim.runUntil(35s);
  ASSERT_EQ(sim.rebuilds, std::vector<Duration>{35s});
  const WatchdogTime rebuild = kStart + 35s;
  EXPECT_TRUE(sim.policy.isStale({kOperator, rebuild - 2s}, rebuild + 1s));
  // RFC 3339 keeps whole seconds: a handshake in the rebuild's second may read up to 1 s early.
  EXPECT_FALSE(sim.policy.isStale({kOperator, rebuild - 1s}, rebuild + 1s));
  EXPECT_FALSE(sim.policy.isStale({kOperator, rebuild + 1s}, rebuild + 1s));
}

TEST(WatchdogPolicyStale, AConfiguredEndpointPeerMissingFromTheReportIsStale) {
  WatchdogPolicy policy({}, kStart);
  policy.setPeers(endpointPeer());
  policy.onPeerStatus(kStart + 1s, std::vector<PeerSnapshot>{});
  EXPECT_TRUE(policy.peerStale(kOperator));
}

TEST(WatchdogPolicyCadence, FirstCheckAfter15SecondsThenEvery60WhileHealthy) {
  Simulation sim;
  sim.tunnel = [](WatchdogTime now) { return handshakeAt(now - 10s); };
  EXPECT_EQ(sim.policy.nextWakeup(), kStart + 15s);
  sim.runUntil(15s);
  EXPECT_EQ(sim.requests, 1);
  EXPECT_TRUE(sim.policy.healthy());
  EXPECT_EQ(sim.policy.checkInterval(), 60s);
  EXPECT_EQ(sim.policy.nextWakeup(), kStart + 75s);
  sim.runUntil(195s);
  EXPECT_EQ(sim.requests, 4);  // 15, 75, 135, 195
  EXPECT_TRUE(sim.rebuilds.empty());
}

TEST(WatchdogPolicyCadence, Every15SecondsOnceEveryEndpointPeerIsStale) {
  Simulation sim;
  sim.tunnel = [](WatchdogTime now) { return handshakeAt(now - 10s); };
  sim.runUntil(75s);
  sim.tunnel = [](WatchdogTime) { return handshakeAt(kStart); };  // nothing since the start
  sim.runUntil(135s);  // the check at 135 s sees a 135 s old handshake: still live
  EXPECT_TRUE(sim.policy.healthy());
  sim.runUntil(195s);  // 195 s old: stale
  EXPECT_EQ(sim.policy.state(), WatchdogState::kSuspect);
  EXPECT_EQ(sim.policy.checkInterval(), 15s);
  EXPECT_EQ(sim.policy.nextWakeup(), kStart + 210s);
  EXPECT_TRUE(sim.rebuilds.empty());
}

TEST(WatchdogPolicyRebuild, TwoConsecutiveAllStaleChecksRebuildAfterFiveSeconds) {
  Simulation sim;
  sim.runUntil(15s);
  EXPECT_EQ(sim.policy.state(), WatchdogState::kSuspect);
  EXPECT_EQ(sim.policy.consecutiveStaleChecks(), 1u);
  sim.runUntil(30s);
  EXPECT_EQ(sim.policy.state(), WatchdogState::kWaiting);
  EXPECT_EQ(sim.policy.nextRebuildAt(), kStart + 35s);
  sim.runUntil(34s);
  EXPECT_TRUE(sim.rebuilds.empty());
  sim.runUntil(35s);
  EXPECT_EQ(sim.rebuilds, std::vector<Duration>{35s});
  EXPECT_EQ(sim.policy.state(), WatchdogState::kVerifying);
  EXPECT_EQ(sim.policy.rebuildCount(), 1u);
  EXPECT_EQ(sim.policy.lastRebuild(), kStart + 35s);
}

TEST(WatchdogPolicyRebuild, OneStaleCheckBetweenLiveOnesNeverRebuilds) {
  Simulation sim;
  int check = 0;
  sim.tunnel = [&check](WatchdogTime now) {
    return ++check % 2 == 0 ? handshakeAt(now - 5s) : std::vector<PeerSnapshot>{{kOperator, std::nullopt}};
  };
  sim.runUntil(1h);
  EXPECT_TRUE(sim.rebuilds.empty());
}

TEST(WatchdogPolicyRebuild, FailedRebuildsBackOffAndCoolDownAfterEverySecondFailure) {
  Simulation sim;
  sim.runUntil(3765s);
  // 35: first rebuild; each fails 20 s later; waits 10 s, then 30 min, then 40 s, then 30 min.
  EXPECT_EQ(sim.rebuilds, (std::vector<Duration>{35s, 65s, 1885s, 1945s, 3765s}));
  EXPECT_EQ(sim.policy.consecutiveFailures(), 4u);
}

TEST(WatchdogPolicyRebuild, StateDuringTheSequenceIsVisible) {
  Simulation sim;
  sim.runUntil(55s);  // rebuild 1 at 35 s fails at 55 s
  EXPECT_EQ(sim.policy.state(), WatchdogState::kWaiting);
  EXPECT_EQ(sim.policy.consecutiveFailures(), 1u);
  EXPECT_EQ(sim.policy.nextRebuildAt(), kStart + 65s);
  sim.runUntil(85s);  // rebuild 2 at 65 s fails at 85 s: cooldown
  EXPECT_EQ(sim.policy.state(), WatchdogState::kCoolingDown);
  EXPECT_EQ(sim.policy.nextRebuildAt(), kStart + 85s + 30min);
  EXPECT_FALSE(sim.policy.healthy());
  EXPECT_EQ(sim.policy.checkInterval(), 15s);  // still watching for a path that heals
}

TEST(WatchdogPolicyRebuild, NeverGivesUp) {
  Simulation sim;
  sim.runUntil(48h);
  // Each pair of failures costs one 30 min cooldown plus at most 5 min of back-off and 40 s of deadlines.
  EXPECT_GE(sim.rebuilds.size(), 2u * (48 * 60 / 40));
  EXPECT_EQ(sim.policy.rebuildCount(), sim.rebuilds.size());
  EXPECT_FALSE(sim.policy.healthy());
}

TEST(WatchdogPolicyRebuild, AHandshakeWithinTheDeadlineEndsTheSequence) {
  Simulation sim;
  sim.runUntil(35s);
  sim.tunnel = [](WatchdogTime) { return handshakeAt(kStart + 40s); };
  sim.runUntil(50s);  // the check at 50 s sees the handshake of 40 s
  EXPECT_TRUE(sim.policy.healthy());
  EXPECT_EQ(sim.policy.consecutiveFailures(), 0u);
  sim.runUntil(220s);  // live until that handshake is 180 s old
  EXPECT_EQ(sim.rebuilds, std::vector<Duration>{35s});
}

TEST(WatchdogPolicyRebuild, AHandshakeJustBeforeTheDeadlineCountsThroughTheVerdictCheck) {
  Simulation sim;
  sim.runUntil(50s);
  sim.tunnel = [](WatchdogTime) { return handshakeAt(kStart + 54s); };
  sim.runUntil(55s);
  EXPECT_TRUE(sim.policy.healthy());
  EXPECT_EQ(sim.policy.consecutiveFailures(), 0u);
}

TEST(WatchdogPolicyRebuild, HealingDuringACooldownResetsTheSequence) {
  Simulation sim;
  sim.runUntil(100s);
  ASSERT_EQ(sim.policy.state(), WatchdogState::kCoolingDown);
  // The tunnel's own retries got through: any report showing it ends the cooldown, no check needed.
  sim.policy.onPeerStatus(kStart + 101s, handshakeAt(kStart + 100s));
  EXPECT_TRUE(sim.policy.healthy());
  EXPECT_EQ(sim.policy.consecutiveFailures(), 0u);
  EXPECT_FALSE(sim.policy.nextRebuildAt().has_value());
  // Broken again: checks at 115 s and 130 s find it stale, and the sequence starts over at 5 s.
  sim.runUntil(135s);
  EXPECT_EQ(sim.rebuilds, (std::vector<Duration>{35s, 65s, 135s}));
}

TEST(WatchdogPolicyRebuild, ATunnelThatHealedDuringTheWaitIsNotRebuilt) {
  Simulation sim;
  sim.runUntil(100s);
  ASSERT_EQ(sim.policy.state(), WatchdogState::kCoolingDown);
  const WatchdogTime rebuildAt = *sim.policy.nextRebuildAt();
  // The session comes back just before the cooldown ends, between two checks.
  sim.tunnel = [rebuildAt](WatchdogTime now) {
    return now < rebuildAt - 100ms ? std::vector<PeerSnapshot>{{kOperator, std::nullopt}} : handshakeAt(rebuildAt - 100ms);
  };
  sim.runUntil(rebuildAt - kStart);
  EXPECT_EQ(sim.rebuilds.size(), 2u);
  EXPECT_TRUE(sim.policy.healthy());
}

TEST(WatchdogPolicyRebuild, ADueRebuildLooksAtTheTunnelOnceMore) {
  Simulation sim;
  sim.runUntil(34s);
  const int requests = sim.requests;
  sim.runUntil(35s);
  EXPECT_EQ(sim.requests, requests + 1);
  EXPECT_EQ(sim.rebuilds, std::vector<Duration>{35s});
}

TEST(WatchdogPolicyRebuild, NetworkChangeRebuildsAtOnceEvenDuringACooldown) {
  Simulation sim;
  sim.runUntil(100s);
  ASSERT_EQ(sim.policy.state(), WatchdogState::kCoolingDown);
  sim.policy.onNetworkChange(kStart + 100s);
  EXPECT_EQ(sim.policy.nextWakeup(), kStart + 100s);
  EXPECT_EQ(sim.policy.onTimer(kStart + 100s), WatchdogAction::kRebuild);
  EXPECT_EQ(sim.policy.rebuildCount(), 3u);
  EXPECT_EQ(sim.policy.state(), WatchdogState::kVerifying);
}

TEST(WatchdogPolicyRebuild, NetworkChangeWhileHealthyRebuildsAtOnce) {
  WatchdogPolicy policy({}, kStart);
  policy.setPeers(endpointPeer());
  policy.onPeerStatus(kStart + 1s, handshakeAt(kStart + 1s));
  policy.onNetworkChange(kStart + 2s);
  EXPECT_EQ(policy.onTimer(kStart + 2s), WatchdogAction::kRebuild);
  EXPECT_EQ(policy.lastRebuild(), kStart + 2s);
}

TEST(WatchdogPolicyStatusFailures, AFailedStatusRequestCountsAsAllStale) {
  Simulation sim;
  sim.tunnel = [](WatchdogTime) { return std::nullopt; };
  sim.runUntil(35s);
  EXPECT_EQ(sim.rebuilds, std::vector<Duration>{35s});
  EXPECT_TRUE(sim.policy.peerStale(kOperator));
}

TEST(WatchdogPolicyStatusFailures, AnUnansweredRequestTimesOutAndCountsAsAllStale) {
  Simulation sim;
  sim.answer = false;
  sim.runUntil(19s);
  EXPECT_EQ(sim.policy.state(), WatchdogState::kHealthy);
  sim.runUntil(20s);  // requested at 15 s, 5 s without an answer
  EXPECT_EQ(sim.policy.state(), WatchdogState::kSuspect);
  sim.runUntil(40s);  // the next request at 30 s (15 s after the first), timed out at 35 s
  EXPECT_EQ(sim.policy.nextRebuildAt(), kStart + 40s);
  EXPECT_TRUE(sim.rebuilds.empty());
  sim.runUntil(45s);  // the last look before the rebuild goes unanswered too
  EXPECT_EQ(sim.rebuilds, std::vector<Duration>{45s});
}

TEST(WatchdogPolicyStatusFailures, ReportsThatWereNotAskedForAreNotChecks) {
  WatchdogPolicy policy({}, kStart);
  policy.setPeers(endpointPeer());
  for (int second = 1; second < 15; ++second) {
    policy.onPeerStatus(kStart + std::chrono::seconds(second), std::vector<PeerSnapshot>{{kOperator, std::nullopt}});
  }
  EXPECT_EQ(policy.consecutiveStaleChecks(), 0u);
  EXPECT_TRUE(policy.peerStale(kOperator));
  EXPECT_EQ(policy.nextWakeup(), kStart + 15s);
}

TEST(WatchdogPolicyNoEndpoint, WithoutAnEndpointPeerItNeverRebuilds) {
  Simulation sim({{kIncoming, "", "10.99.0.3", 0s}});
  sim.tunnel = [](WatchdogTime) { return std::nullopt; };
  sim.runUntil(1h);
  EXPECT_TRUE(sim.rebuilds.empty());
  EXPECT_TRUE(sim.policy.healthy());
}

TEST(WatchdogPolicyNoEndpoint, ANetworkChangeDoesNotRebuildWithoutAnEndpointPeer) {
  WatchdogPolicy policy({}, kStart);
  policy.setPeers({{kIncoming, "", "10.99.0.3", 0s}});
  policy.onNetworkChange(kStart + 1s);
  EXPECT_EQ(policy.nextWakeup(), kStart + 15s);
  EXPECT_EQ(policy.onTimer(kStart + 1s), WatchdogAction::kNone);
  EXPECT_EQ(policy.rebuildCount(), 0u);
}

TEST(WatchdogPolicyNoEndpoint, OneLiveEndpointPeerOfTwoIsEnough) {
  Simulation sim({{kOperator, "192.0.2.1:51821", "10.99.0.1", 25s}, {"second-key", "192.0.2.9:51821", "10.99.0.9", 25s}});
  sim.tunnel = [](WatchdogTime now) {
    return std::vector<PeerSnapshot>{{kOperator, now - 1s}, {"second-key", std::nullopt}};
  };
  sim.runUntil(1h);
  EXPECT_TRUE(sim.rebuilds.empty());
  EXPECT_TRUE(sim.policy.healthy());
  EXPECT_FALSE(sim.policy.peerStale(kOperator));
  EXPECT_TRUE(sim.policy.peerStale("second-key"));
  EXPECT_TRUE(sim.policy.anyEndpointPeerStale());
}

TEST(WatchdogPolicyNoEndpoint, RemovingTheLastEndpointPeerEndsAWait) {
  Simulation sim;
  sim.runUntil(100s);
  ASSERT_EQ(sim.policy.state(), WatchdogState::kCoolingDown);
  sim.policy.setPeers({{kIncoming, "", "10.99.0.3", 0s}});
  sim.tunnel = [](WatchdogTime) { return std::vector<PeerSnapshot>{{kIncoming, std::nullopt}}; };
  sim.runUntil(115s);
  EXPECT_TRUE(sim.policy.healthy());
  EXPECT_FALSE(sim.policy.nextRebuildAt().has_value());
}

}  // namespace
}  // namespace nefia::supervisor
