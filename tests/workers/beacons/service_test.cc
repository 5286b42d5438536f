// BeaconsService on a real loop: settings become scheduled checks whose findings become change events
// (not one per run) and heartbeats; status counts runs; a reconfiguration keeps what stayed.
#include "tests/workers/beacons/runner_fixture.h"
#include "workers/beacons/beacons_service.h"

namespace nefia::beacons::testing {
namespace {

using namespace std::chrono_literals;
using ipc::BeaconEventType;
using ipc::BeaconKind;
using ipc::BeaconState;

ipc::BeaconsSettings settingsWith(std::vector<ipc::BeaconScriptSettings> scripts, uint64_t heartbeatMs = 3600000) {
  ipc::BeaconsSettings settings;
  settings.diskEnabled = true;
  settings.diskIntervalMs = 300;
  settings.warningPercent = 80;
  settings.criticalPercent = 90;
  settings.paths = {"/", "/nonexistent/mount"};
  settings.scripts = std::move(scripts);
  settings.heartbeatMs = heartbeatMs;
  return settings;
}

class BeaconsServiceTest : public RunnerFixture {
 protected:
  void SetUp() override {
    RunnerFixture::SetUp();
    runner_.reset();
    reaper_.reset();  // the service has its own: one reaper per process
    service_.emplace(&loop_, scratch_, [this](const ipc::BeaconEvent& event) { events_.push_back(event); });
  }
  void TearDown() override {
    service_.reset();
    RunnerFixture::TearDown();
  }
  std::vector<ipc::BeaconEvent> eventsOf(BeaconEventType type, const std::string& name) const {
    std::vector<ipc::BeaconEvent> found;
    for (const auto& event : events_) {
      if (event.type == type && event.name == name) found.push_back(event);
    }
    return found;
  }
  const ipc::BeaconCheckStatus* statusOf(const std::string& name) {
    static ipc::BeaconsStatus last;
    last = service_->status();
    for (const auto& check : last.checks) {
      if (check.name == name) return &check;
    }
    return nullptr;
  }
  std::optional<BeaconsService> service_;
  std::vector<ipc::BeaconEvent> events_;
};

TEST_F(BeaconsServiceTest, FindingsBecomeOneChangeEventEachNotOnePerRun) {
  service_->apply(settingsWith({{"warn", "echo low; exit 1", 300, 1000}}));
  ASSERT_TRUE(runUntil([&] { return statusOf("warn") && statusOf("warn")->runs >= 4; }, 10s));
  const auto warn = eventsOf(BeaconEventType::kChange, "warn");
  ASSERT_EQ(warn.size(), 1u);
  EXPECT_EQ(warn[0].kind, BeaconKind::kScript);
  EXPECT_EQ(warn[0].state, BeaconState::kWarning);
  EXPECT_EQ(warn[0].previousState, BeaconState::kUnknown);
  EXPECT_EQ(warn[0].message, "low\\n");
  EXPECT_EQ(warn[0].value, 1);
  const auto missing = eventsOf(BeaconEventType::kChange, "/nonexistent/mount");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].reason, "missing");
  ASSERT_EQ(eventsOf(BeaconEventType::kChange, "/").size(), 1u);
  EXPECT_GT(statusOf("/")->runs, 1u);
  EXPECT_EQ(statusOf("warn")->state, BeaconState::kWarning);
  EXPECT_NE(statusOf("warn")->lastRunUnixMs, 0u);
}

TEST_F(BeaconsServiceTest, ASlowScriptIsSkippedNotStartedTwice) {
  service_->apply(settingsWith({{"slow", "sleep 1", 200, 5000}}));
  ASSERT_TRUE(runUntil([&] { return statusOf("slow") && statusOf("slow")->runs >= 2; }, 10s));
  EXPECT_GE(statusOf("slow")->skips, 3u);
}

TEST_F(BeaconsServiceTest, HeartbeatsRepeatEveryStateAtTheirInterval) {
  service_->apply(settingsWith({{"ok", "true", 60000, 1000}}, 1500));
  ASSERT_TRUE(runUntil([&] { return eventsOf(BeaconEventType::kHeartbeat, "ok").size() >= 2; }, 10s));
  const auto beats = eventsOf(BeaconEventType::kHeartbeat, "ok");
  EXPECT_EQ(beats[0].state, BeaconState::kOk);
  EXPECT_GE(eventsOf(BeaconEventType::kHeartbeat, "/nonexistent/mount").size(), beats.size());
  EXPECT_EQ(eventsOf(BeaconEventType::kChange, "ok").size(), 1u);
}

TEST_F(BeaconsServiceTest, AReconfigurationKeepsStatesAndDropsRemovedChecks) {
  service_->apply(settingsWith({{"a", "exit 2", 300, 1000}, {"b", "true", 300, 1000}}));
  ASSERT_TRUE(runUntil([&] { return statusOf("a") && statusOf("a")->runs >= 1 && statusOf("b")->runs >= 1 &&
                                    !eventsOf(BeaconEventType::kChange, "a").empty(); }, 10s));
  ipc::BeaconsSettings changed = settingsWith({{"a", "exit 2", 400, 1000}});
  service_->apply(changed);
  EXPECT_EQ(statusOf("b"), nullptr);
  const uint64_t runsBefore = statusOf("a")->runs;
  ASSERT_TRUE(runUntil([&] { return statusOf("a")->runs >= runsBefore + 2; }, 10s));
  EXPECT_EQ(eventsOf(BeaconEventType::kChange, "a").size(), 1u) << "the state stayed critical: no new event";
}

}  // namespace
}  // namespace nefia::beacons::testing
