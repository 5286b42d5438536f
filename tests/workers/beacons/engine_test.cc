// The beacons engine with a fake clock: scheduling (spread, intervals, skips), state transitions,
// heartbeats. No processes, no loop: time is a TimePoint the test moves.
#include <gtest/gtest.h>

#include "workers/beacons/scheduler.h"
#include "workers/beacons/state_tracker.h"

namespace nefia::beacons {
namespace {

using namespace std::chrono_literals;
using ipc::BeaconEventType;
using ipc::BeaconKind;
using ipc::BeaconState;

const TimePoint kStart = TimePoint{} + 1000h;

Observation scriptResult(const std::string& name, BeaconState state, int code = 0) {
  return Observation{BeaconKind::kScript, name, state, code, "output", ""};
}

TEST(BeaconScheduler, FirstRunsAreSpreadShortlyAfterStart) {
  Scheduler scheduler;
  scheduler.setChecks({{"a", 10min}, {"b", 10min}, {"c", 10min}}, kStart);
  EXPECT_TRUE(scheduler.takeDue(kStart).empty());
  EXPECT_EQ(scheduler.nextDue(), kStart + kFirstRunDelay);
  EXPECT_EQ(scheduler.takeDue(kStart + kFirstRunDelay), std::vector<std::string>{"a"});
  EXPECT_EQ(scheduler.takeDue(kStart + kFirstRunDelay + kFirstRunSpacing), std::vector<std::string>{"b"});
  EXPECT_EQ(scheduler.takeDue(kStart + kFirstRunDelay + 2 * kFirstRunSpacing), std::vector<std::string>{"c"});
}

TEST(BeaconScheduler, FirstRunIsNeverLaterThanTheInterval) {
  Scheduler scheduler;
  scheduler.setChecks({{"slow", 1h}, {"fast", 100ms}}, kStart);
  EXPECT_EQ(scheduler.find("fast")->nextDue, kStart + 100ms);
}

TEST(BeaconScheduler, RunsEveryIntervalAfterTheFirst) {
  Scheduler scheduler;
  scheduler.setChecks({{"a", 30s}}, kStart);
  TimePoint now = kStart + kFirstRunDelay;
  for (int run = 1; run <= 5; ++run) {
    EXPECT_EQ(scheduler.takeDue(now).size(), 1u) << run;
    scheduler.finished("a");
    EXPECT_TRUE(scheduler.takeDue(now + 29s).empty());
    now += 30s;
  }
  EXPECT_EQ(scheduler.find("a")->runs, 5u);
  EXPECT_EQ(scheduler.find("a")->skips, 0u);
}

TEST(BeaconScheduler, AStillRunningCheckIsNotStartedTwiceAndTheSkipIsCounted) {
  Scheduler scheduler;
  scheduler.setChecks({{"hung", 10s}}, kStart);
  const TimePoint first = kStart + kFirstRunDelay;
  ASSERT_EQ(scheduler.takeDue(first).size(), 1u);
  EXPECT_TRUE(scheduler.takeDue(first + 10s).empty());
  EXPECT_TRUE(scheduler.takeDue(first + 20s).empty());
  EXPECT_EQ(scheduler.find("hung")->skips, 2u);
  EXPECT_EQ(scheduler.find("hung")->runs, 1u);
  scheduler.finished("hung");
  EXPECT_EQ(scheduler.takeDue(first + 30s).size(), 1u);
  EXPECT_EQ(scheduler.find("hung")->runs, 2u);
}

TEST(BeaconScheduler, AFarBehindLoopRunsOnceNotOncePerMissedInterval) {
  Scheduler scheduler;
  scheduler.setChecks({{"a", 10s}}, kStart);
  ASSERT_EQ(scheduler.takeDue(kStart + kFirstRunDelay).size(), 1u);
  scheduler.finished("a");
  const TimePoint late = kStart + 1h;
  EXPECT_EQ(scheduler.takeDue(late).size(), 1u);
  scheduler.finished("a");
  EXPECT_TRUE(scheduler.takeDue(late + 1s).empty());
  EXPECT_EQ(scheduler.nextDue(), late + 10s);
}

TEST(BeaconScheduler, ReconfigurationKeepsUnchangedChecksAndReschedulesChangedOnes) {
  Scheduler scheduler;
  scheduler.setChecks({{"keep", 10s}, {"change", 10s}, {"drop", 10s}}, kStart);
  (void)scheduler.takeDue(kStart + 5s);  // all three started
  const TimePoint keepDue = scheduler.find("keep")->nextDue;
  scheduler.setChecks({{"keep", 10s}, {"change", 20s}, {"new", 5s}}, kStart + 6s);
  EXPECT_EQ(scheduler.find("keep")->nextDue, keepDue);
  EXPECT_EQ(scheduler.find("keep")->runs, 1u);
  EXPECT_TRUE(scheduler.find("change")->running) << "a run in flight still blocks a double start";
  EXPECT_EQ(scheduler.find("change")->nextDue, kStart + 6s + kFirstRunDelay);
  EXPECT_EQ(scheduler.find("drop"), nullptr);
  EXPECT_EQ(scheduler.find("new")->nextDue, kStart + 6s + kFirstRunDelay + kFirstRunSpacing);
  scheduler.finished("drop");  // a removed check's run ends later: ignored
}

TEST(BeaconScheduler, NoChecksMeansNothingIsDue) {
  Scheduler scheduler;
  EXPECT_FALSE(scheduler.nextDue().has_value());
  EXPECT_TRUE(scheduler.takeDue(kStart).empty());
}

TEST(BeaconStateTracker, TheFirstFindingIsAnEventFromUnknown) {
  StateTracker tracker(15min, kStart);
  auto event = tracker.record(scriptResult("check", BeaconState::kOk), 1700000000000);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->type, BeaconEventType::kChange);
  EXPECT_EQ(event->state, BeaconState::kOk);
  EXPECT_EQ(event->previousState, BeaconState::kUnknown);
  EXPECT_EQ(event->timeUnixMs, 1700000000000u);
  EXPECT_EQ(event->value, 0);
}

TEST(BeaconStateTracker, EventsOnlyOnChangeNotOnEveryRun) {
  StateTracker tracker(15min, kStart);
  ASSERT_TRUE(tracker.record(scriptResult("c", BeaconState::kOk), 1));
  EXPECT_FALSE(tracker.record(scriptResult("c", BeaconState::kOk), 2));
  EXPECT_FALSE(tracker.record(scriptResult("c", BeaconState::kOk), 3));
  auto warning = tracker.record(scriptResult("c", BeaconState::kWarning, 1), 4);
  ASSERT_TRUE(warning);
  EXPECT_EQ(warning->previousState, BeaconState::kOk);
  EXPECT_EQ(warning->state, BeaconState::kWarning);
  auto critical = tracker.record(scriptResult("c", BeaconState::kCritical, 2), 5);
  ASSERT_TRUE(critical);
  EXPECT_EQ(critical->previousState, BeaconState::kWarning);
  auto back = tracker.record(scriptResult("c", BeaconState::kOk), 6);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->previousState, BeaconState::kCritical);
  EXPECT_EQ(tracker.find(BeaconKind::kScript, "c")->lastRunUnixMs, 6u);
}

TEST(BeaconStateTracker, BeaconsOfDifferentKindsWithOneNameAreSeparate) {
  StateTracker tracker(15min, kStart);
  ASSERT_TRUE(tracker.record(Observation{BeaconKind::kDiskUsage, "/", BeaconState::kOk, 10, "", ""}, 1));
  ASSERT_TRUE(tracker.record(Observation{BeaconKind::kScript, "/", BeaconState::kCritical, 2, "", ""}, 1));
  EXPECT_EQ(tracker.beacons().size(), 2u);
}

TEST(BeaconStateTracker, HeartbeatRepeatsEveryStateOncePerInterval) {
  StateTracker tracker(15min, kStart);
  (void)tracker.record(scriptResult("a", BeaconState::kOk), 1);
  (void)tracker.record(scriptResult("b", BeaconState::kCritical, 3), 1);
  EXPECT_TRUE(tracker.heartbeatIfDue(kStart + 14min, 2).empty());
  auto beats = tracker.heartbeatIfDue(kStart + 15min, 3);
  ASSERT_EQ(beats.size(), 2u);
  for (const auto& beat : beats) {
    EXPECT_EQ(beat.type, BeaconEventType::kHeartbeat);
    EXPECT_EQ(beat.previousState, beat.state);
    EXPECT_EQ(beat.timeUnixMs, 3u);
  }
  EXPECT_TRUE(tracker.heartbeatIfDue(kStart + 16min, 4).empty());
  EXPECT_EQ(tracker.nextHeartbeat(), kStart + 30min);
  EXPECT_EQ(tracker.heartbeatIfDue(kStart + 30min, 5).size(), 2u);
}

TEST(BeaconStateTracker, MessagesAreSanitizedAndCut) {
  StateTracker tracker(15min, kStart);
  Observation noisy = scriptResult("n", BeaconState::kOk);
  noisy.message = std::string("line\none\x01\xff") + std::string(5000, 'x');
  auto event = tracker.record(noisy, 1);
  ASSERT_TRUE(event);
  EXPECT_LE(event->message.size(), ipc::kMaxBeaconMessageBytes);
  EXPECT_EQ(event->message.substr(0, 22), "line\\none\\x01\\xFFxxxxx");
  EXPECT_TRUE(ipc::parseBeaconEvent(ipc::toJson(*event)).ok());
}

TEST(BeaconStateTracker, RetainOnlyForgetsRemovedBeacons) {
  StateTracker tracker(15min, kStart);
  (void)tracker.record(scriptResult("a", BeaconState::kOk), 1);
  (void)tracker.record(scriptResult("b", BeaconState::kOk), 1);
  tracker.retainOnly({{BeaconKind::kScript, "a"}});
  EXPECT_EQ(tracker.beacons().size(), 1u);
  EXPECT_TRUE(tracker.record(scriptResult("b", BeaconState::kOk), 2)) << "b is new again";
}

}  // namespace
}  // namespace nefia::beacons
