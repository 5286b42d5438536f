// NetworkMonitor on a real loop: the polling fallback with a scripted address source (the diff reaches the
// callback once, unchanged readings stay silent), and netlink opening on this host.
#include "supervisor/watchdog/network_monitor.h"

#include <gtest/gtest.h>

#include "tests/ipc/test_support.h"

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;
using ipc::testing::LoopTest;

const InterfaceAddress kOld{"eth0", "192.0.2.2"};
const InterfaceAddress kNew{"eth0", "192.0.2.3"};

class NetworkMonitorTest : public LoopTest {};

TEST_F(NetworkMonitorTest, PollingReportsAnAddressChangeOnce) {
  AddressSet current = {kOld};
  int readings = 0;
  std::vector<AddressChange> changes;
  NetworkMonitor::Options options;
  options.useNetlink = false;
  options.pollInterval = 5ms;
  options.readAddresses = [&]() -> Result<AddressSet> {
    ++readings;
    return current;
  };
  NetworkMonitor monitor(&loop_, [&](const AddressChange& change) { changes.push_back(change); }, options);
  ASSERT_TRUE(monitor.start().ok());
  EXPECT_FALSE(monitor.usingNetlink());
  ASSERT_TRUE(runUntil([&] { return readings >= 3; }));
  EXPECT_TRUE(changes.empty());
  current = {kNew};
  ASSERT_TRUE(runUntil([&] { return !changes.empty(); }));
  const int seen = readings;
  ASSERT_TRUE(runUntil([&] { return readings >= seen + 3; }));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].added, std::vector<InterfaceAddress>{kNew});
  EXPECT_EQ(changes[0].removed, std::vector<InterfaceAddress>{kOld});
  EXPECT_EQ(monitor.addresses(), AddressSet{kNew});
}

TEST_F(NetworkMonitorTest, AFailedReadingIsRetriedWithoutAFalseChange) {
  bool failing = false;
  int readings = 0;
  int changes = 0;
  NetworkMonitor::Options options;
  options.useNetlink = false;
  options.pollInterval = 5ms;
  options.readAddresses = [&]() -> Result<AddressSet> {
    ++readings;
    if (failing) return makeError("getifaddrs failed");
    return AddressSet{kOld};
  };
  NetworkMonitor monitor(&loop_, [&](const AddressChange&) { ++changes; }, options);
  ASSERT_TRUE(monitor.start().ok());
  failing = true;
  ASSERT_TRUE(runUntil([&] { return readings >= 3; }));
  failing = false;
  ASSERT_TRUE(runUntil([&] { return readings >= 6; }));
  EXPECT_EQ(changes, 0);
}

TEST_F(NetworkMonitorTest, StartFailsWhenAddressesCannotBeRead) {
  NetworkMonitor::Options options;
  options.readAddresses = []() -> Result<AddressSet> { return makeError("getifaddrs failed"); };
  NetworkMonitor monitor(&loop_, nullptr, options);
  Status started = monitor.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().find("network monitor"), std::string::npos) << started.error();
}

TEST_F(NetworkMonitorTest, UsesNetlinkOnLinux) {
  NetworkMonitor monitor(&loop_, nullptr);
  ASSERT_TRUE(monitor.start().ok());
  EXPECT_TRUE(monitor.usingNetlink());
  monitor.stop();
  EXPECT_FALSE(monitor.usingNetlink());
}

}  // namespace
}  // namespace nefia::supervisor
