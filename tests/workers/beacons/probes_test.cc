// disk_usage and service_check with real children: df's formula, a missing path, a probe that hangs (timed
// out at once, not probed again while its child lives), and the real "no system bus" path of this host.
#include <unistd.h>

#include <filesystem>

#include "tests/workers/beacons/runner_fixture.h"
#include "workers/beacons/disk_usage.h"
#include "workers/beacons/service_check.h"

namespace nefia::beacons::testing {
namespace {

using namespace std::chrono_literals;
using ipc::BeaconState;

class ProbeTest : public RunnerFixture {
 protected:
  void SetUp() override {
    RunnerFixture::SetUp();
    probes_.emplace(&loop_, *reaper_);
  }
  void TearDown() override {
    probes_.reset();
    RunnerFixture::TearDown();
  }
  Observation disk(const std::string& path, DiskThresholds thresholds = {}) {
    std::optional<Observation> found;
    checkDiskUsage(*probes_, path, thresholds, 5s, [&](Observation observation) { found = std::move(observation); });
    EXPECT_TRUE(runUntil([&] { return found.has_value(); }, 10s));
    return found.value_or(Observation{});
  }
  std::optional<ProbeRunner> probes_;
};

TEST(DiskUsageMath, PercentIsDfsUsedOverUsedPlusAvailableRoundedUp) {
  EXPECT_EQ(dfPercent(1000, 200, 100), 89u) << "800 / (800 + 100) = 88.9%";
  EXPECT_EQ(dfPercent(1000, 500, 500), 50u);
  EXPECT_EQ(dfPercent(1000, 1000, 950), 0u);
  EXPECT_EQ(dfPercent(0, 0, 0), 0u);
  EXPECT_EQ(dfPercent(1000, 0, 0), 100u);
}

TEST(DiskUsageMath, ThresholdsGiveStates) {
  const DiskThresholds thresholds{80, 90};
  const auto at = [&](uint64_t free) {
    return diskObservation("/d", thresholds, ProbeOutcome{ProbeEnd::kAnswered, "ok 100 " + std::to_string(free) + " " +
                                                                                  std::to_string(free) + " 1\n", ""}, 5s);
  };
  EXPECT_EQ(at(21).state, BeaconState::kOk);
  EXPECT_EQ(at(20).state, BeaconState::kWarning);
  EXPECT_EQ(at(10).state, BeaconState::kCritical);
  EXPECT_EQ(at(10).value, 90);
  EXPECT_EQ(at(10).message, "90% used (warning at 80%, critical at 90%)");
  const Observation notMounted =
      diskObservation("/d", thresholds, ProbeOutcome{ProbeEnd::kAnswered, "ok 100 50 50 0\n", ""}, 5s);
  EXPECT_EQ(notMounted.message, "50% used (warning at 80%, critical at 90%); not a mount point: this is the filesystem "
                                "that holds it");
}

TEST_F(ProbeTest, DiskUsageOfARealFilesystem) {
  const Observation root = disk("/");
  EXPECT_NE(root.state, BeaconState::kUnknown) << root.message;
  ASSERT_TRUE(root.value.is_number());
  EXPECT_LE(root.value.get<uint64_t>(), 100u);
}

TEST_F(ProbeTest, AMissingPathIsAnUnknownFindingOfItsOwn) {
  const Observation missing = disk("/nonexistent/mount");
  EXPECT_EQ(missing.state, BeaconState::kUnknown);
  EXPECT_EQ(missing.reason, "missing");
  EXPECT_EQ(missing.message, "/nonexistent/mount does not exist");
}

TEST_F(ProbeTest, AHangingProbeTimesOutAtOnceAndIsNotStartedAgainWhileItsChildLives) {
  std::optional<ProbeOutcome> first, second;
  const auto started = Clock::now();
  probes_->start("hung", 200ms, [] {
    ::pause();
    return 0;
  }, [&](ProbeOutcome outcome) {
    first = std::move(outcome);
    // Before the loop reaps the killed child: the key still hangs.
    probes_->start("hung", 200ms, [] { return 0; }, [&](ProbeOutcome again) { second = std::move(again); });
  });
  ASSERT_TRUE(runUntil([&] { return second.has_value(); }, 5s));
  EXPECT_EQ(first->end, ProbeEnd::kTimedOut);
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_EQ(second->end, ProbeEnd::kStillHung);
  ASSERT_TRUE(runUntil([&] { return !probes_->hung("hung"); }, 5s)) << "the killed child is reaped";
  const Observation timedOut = diskObservation("/mnt/nfs", {}, *first, 200ms);
  EXPECT_EQ(timedOut.state, BeaconState::kUnknown);
  EXPECT_EQ(timedOut.reason, "timeout");
  EXPECT_EQ(timedOut.message, "statvfs did not answer within 0.2 s (a hung mount?)");
}

TEST_F(ProbeTest, ServiceCheckWithoutASystemBusSaysSoOnce) {
  ASSERT_FALSE(std::filesystem::exists("/run/dbus/system_bus_socket")) << "this test needs a host without a system bus";
  std::optional<std::vector<Observation>> found;
  checkServices(*probes_, {"nginx", "postgresql"}, 5s, [&](std::vector<Observation> observations) {
    found = std::move(observations);
  });
  ASSERT_TRUE(runUntil([&] { return found.has_value(); }, 10s));
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].name, kServiceCheckItself);
  EXPECT_EQ((*found)[0].state, BeaconState::kUnknown);
  EXPECT_EQ((*found)[0].reason, "unavailable");
  EXPECT_EQ((*found)[0].message, "service_check unavailable: cannot connect to the system bus (No such file or directory)");
}

TEST(ServiceCheckParsing, UnitStatesMapToBeaconStates) {
  const std::vector<std::string> services = {"nginx", "db", "batch", "gone", "web.socket"};
  const ProbeOutcome outcome{ProbeEnd::kAnswered,
                             "unit nginx loaded active\nunit db loaded failed\nunit batch loaded activating\n"
                             "unit gone not-found inactive\nunit web.socket loaded inactive\n",
                             ""};
  const std::vector<Observation> found = serviceObservations(services, outcome, 5s);
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].state, BeaconState::kOk);
  EXPECT_EQ(found[0].message, "nginx.service is active");
  EXPECT_EQ(found[1].state, BeaconState::kCritical);
  EXPECT_EQ(found[1].value, "failed");
  EXPECT_EQ(found[2].state, BeaconState::kWarning);
  EXPECT_EQ(found[3].state, BeaconState::kUnknown);
  EXPECT_EQ(found[3].reason, "not_found");
  EXPECT_EQ(found[3].message, "no unit gone.service is installed");
  EXPECT_EQ(found[4].state, BeaconState::kCritical);
  EXPECT_EQ(found[4].message, "web.socket is inactive");
}

TEST(ServiceCheckParsing, NoSystemdOnTheBusAndTimeoutsAreOneUnavailableFinding) {
  const auto single = [](const ProbeOutcome& outcome) {
    auto found = serviceObservations({"a", "b"}, outcome, 5s);
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? Observation{} : found[0];
  };
  EXPECT_EQ(single({ProbeEnd::kAnswered, "unavailable systemd is not on the system bus (x)\n", ""}).message,
            "service_check unavailable: systemd is not on the system bus (x)");
  EXPECT_EQ(single({ProbeEnd::kTimedOut, "", ""}).message,
            "service_check unavailable: systemd did not answer within 5 s");
  EXPECT_EQ(single({ProbeEnd::kAnswered, "unit a loaded active\n", ""}).message,
            "service_check unavailable: the D-Bus query gave no answer for every unit");
}

}  // namespace
}  // namespace nefia::beacons::testing
