// The Watchdog adapter on a real libuv loop with millisecond timings: it asks for status, rebuilds after
// failed checks, rebuilds at once on a network change, and leaves no handle behind.
#include "supervisor/watchdog/watchdog.h"

#include <gtest/gtest.h>

#include "tests/ipc/test_support.h"

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;
using ipc::testing::LoopTest;

constexpr const char* kOperator = "operator-key";

AgentConfig fastConfig() {
  AgentConfig config;
  config.peers = {{kOperator, "192.0.2.1:51821", "10.99.0.1", 25s}};
  config.testing.watchdogHealthyInterval = 10s;
  config.testing.watchdogUnhealthyInterval = 20ms;
  config.testing.rebuildInitialBackoff = 10ms;
  config.testing.rebuildMaxBackoff = 40ms;
  config.testing.rebuildCooldown = 10s;
  config.testing.rebuildHandshakeDeadline = 30ms;
  return config;
}

ipc::PeerStatus peerWithHandshake(uint64_t lastHandshakeUnixMs) {
  ipc::PeerStatus peer;
  peer.publicKey = kOperator;
  peer.endpoint = "192.0.2.1:51821";
  peer.lastHandshakeUnixMs = lastHandshakeUnixMs;
  return peer;
}

class WatchdogTest : public LoopTest {};

TEST_F(WatchdogTest, FailedStatusRequestsLeadToARebuild) {
  int requests = 0;
  int rebuilds = 0;
  int changes = 0;
  Watchdog watchdog(&loop_, fastConfig(),
                    {[&] {
                       ++requests;
                       return false;
                     },
                     [&] { ++rebuilds; }, [&] { ++changes; }});
  watchdog.start();
  ASSERT_TRUE(runUntil([&] { return rebuilds == 1; }));
  EXPECT_EQ(requests, 3);  // two checks, then the last look before rebuilding
  EXPECT_EQ(watchdog.rebuildCount(), 1u);
  EXPECT_TRUE(parseRfc3339(watchdog.lastRebuild()).ok()) << watchdog.lastRebuild();
  EXPECT_TRUE(watchdog.peerStale(kOperator));
  EXPECT_FALSE(watchdog.healthy());
  EXPECT_GE(changes, 2);  // unhealthy, then rebuilt
}

TEST_F(WatchdogTest, AnsweredRequestsWithALiveHandshakeNeverRebuild) {
  int rebuilds = 0;
  Watchdog* self = nullptr;
  int requests = 0;
  Watchdog watchdog(&loop_, fastConfig(),
                    {[&] {
                       ++requests;
                       self->onPeerStatus(std::vector<ipc::PeerStatus>{
                           peerWithHandshake(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count()))});
                       return true;
                     },
                     [&] { ++rebuilds; }, nullptr});
  self = &watchdog;
  watchdog.start();
  ASSERT_TRUE(runUntil([&] { return requests == 1; }));
  const auto until = std::chrono::steady_clock::now() + 100ms;
  runUntil([&] { return std::chrono::steady_clock::now() > until; });
  EXPECT_EQ(rebuilds, 0);
  EXPECT_EQ(requests, 1);  // healthy: the next check is 10 s away
  EXPECT_TRUE(watchdog.healthy());
  EXPECT_FALSE(watchdog.peerStale(kOperator));
  EXPECT_EQ(watchdog.lastRebuild(), "");
}

TEST_F(WatchdogTest, NetworkChangeRebuildsOnTheNextLoopIteration) {
  AgentConfig config = fastConfig();
  config.testing.watchdogUnhealthyInterval = 10s;
  int rebuilds = 0;
  Watchdog watchdog(&loop_, config, {[] { return true; }, [&] { ++rebuilds; }, nullptr});
  watchdog.start();
  watchdog.onNetworkChange();
  EXPECT_EQ(rebuilds, 0);  // never from inside the caller's stack
  ASSERT_TRUE(runUntil([&] { return rebuilds == 1; }, 500ms));
  EXPECT_EQ(watchdog.rebuildCount(), 1u);
}

TEST_F(WatchdogTest, StoppedWatchdogDoesNothing) {
  int calls = 0;
  Watchdog watchdog(&loop_, fastConfig(), {[&] { return ++calls, false; }, [&] { ++calls; }, nullptr});
  watchdog.start();
  watchdog.stop();
  watchdog.onNetworkChange();
  const auto until = std::chrono::steady_clock::now() + 100ms;
  runUntil([&] { return std::chrono::steady_clock::now() > until; });
  EXPECT_EQ(calls, 0);
}

TEST(WatchdogSnapshots, HandshakeAgeMovesOntoTheMonotonicClock) {
  const WatchdogTime now = WatchdogTime{} + 1h;
  const WallTime wallNow = WallTime{} + std::chrono::hours(24 * 365 * 56);
  const auto handshakeMs = std::chrono::duration_cast<std::chrono::milliseconds>((wallNow - 10s).time_since_epoch());
  std::vector<ipc::PeerStatus> peers = {peerWithHandshake(static_cast<uint64_t>(handshakeMs.count())),
                                        peerWithHandshake(0)};
  const std::vector<PeerSnapshot> snapshots = toSnapshots(peers, now, wallNow);
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[0].publicKey, kOperator);
  EXPECT_EQ(snapshots[0].lastHandshake, now - 10s);
  EXPECT_FALSE(snapshots[1].lastHandshake.has_value());
}

}  // namespace
}  // namespace nefia::supervisor
