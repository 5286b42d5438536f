// The hub's connection bounds on a fake clock: per-address and total limits, who gives way when the hub is full,
// protected answers, absolute deadlines, the IPv6 /64 rule; and the log throttle's window and summary count.
#include "operator/connection_table.h"
#include "operator/log_throttle.h"

#include <gtest/gtest.h>

namespace nefia::hub {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const SteadyTime kStart{};

ConnectionLimits limits(std::size_t total, std::size_t perAddress, milliseconds deadline = milliseconds(10000)) {
  return ConnectionLimits{total, perAddress, deadline};
}

TEST(ConnectionTable, DefaultsAreTheDocumentedNumbers) {
  const ConnectionLimits defaults;
  EXPECT_EQ(defaults.maxConnections, 512u);
  EXPECT_EQ(defaults.maxPerAddress, 16u);
  EXPECT_EQ(defaults.deadline, seconds(10));
}

TEST(ConnectionTable, AnAddressGetsNoMoreThanItsShare) {
  ConnectionTable table(limits(100, 3));
  for (uint64_t id = 1; id <= 3; ++id) EXPECT_EQ(table.admit(id, "192.0.2.9", kStart).admission, Admission::kAccepted);
  EXPECT_EQ(table.admit(4, "192.0.2.9", kStart).admission, Admission::kAddressFull);
  EXPECT_EQ(table.admit(5, "192.0.2.2", kStart).admission, Admission::kAccepted) << "other addresses still get in";
  table.remove(1);
  EXPECT_EQ(table.admit(6, "192.0.2.9", kStart).admission, Admission::kAccepted) << "a closed one frees its slot";
  EXPECT_EQ(table.size(), 4u);
  EXPECT_EQ(table.countFor("192.0.2.9"), 3u);
}

TEST(ConnectionTable, WhenFullTheAddressHoldingTheMostGivesWayOldestFirst) {
  ConnectionTable table(limits(4, 16));
  ASSERT_EQ(table.admit(1, "flood", kStart).admission, Admission::kAccepted);
  ASSERT_EQ(table.admit(2, "other", kStart).admission, Admission::kAccepted);
  ASSERT_EQ(table.admit(3, "flood", kStart).admission, Admission::kAccepted);
  ASSERT_EQ(table.admit(4, "flood", kStart).admission, Admission::kAccepted);
  const AdmissionResult client = table.admit(5, "client", kStart);
  EXPECT_EQ(client.admission, Admission::kAccepted);
  ASSERT_TRUE(client.evicted.has_value());
  EXPECT_EQ(*client.evicted, 1u) << "the flood's oldest connection";
  EXPECT_EQ(client.evictedAddress, "flood");
  EXPECT_EQ(table.countFor("flood"), 2u);
  EXPECT_EQ(table.size(), 4u);
}

TEST(ConnectionTable, WhenFullAndNobodyHoldsMoreTheNewcomerIsRefused) {
  ConnectionTable table(limits(2, 16));
  ASSERT_EQ(table.admit(1, "a", kStart).admission, Admission::kAccepted);
  ASSERT_EQ(table.admit(2, "b", kStart).admission, Admission::kAccepted);
  const AdmissionResult third = table.admit(3, "a", kStart);  // "a" already holds as many as anyone
  EXPECT_EQ(third.admission, Admission::kHubFull);
  EXPECT_FALSE(third.evicted.has_value());
  const AdmissionResult fresh = table.admit(4, "c", kStart);  // "c" holds none: the oldest of a one-slot holder goes
  EXPECT_EQ(fresh.admission, Admission::kAccepted);
  EXPECT_EQ(fresh.evicted, std::optional<uint64_t>(1));
}

TEST(ConnectionTable, AConnectionWritingItsAnswerIsNotEvicted) {
  ConnectionTable table(limits(2, 16));
  ASSERT_EQ(table.admit(1, "flood", kStart).admission, Admission::kAccepted);
  ASSERT_EQ(table.admit(2, "flood", kStart).admission, Admission::kAccepted);
  table.setProtected(1, true);
  const AdmissionResult client = table.admit(3, "client", kStart);
  EXPECT_EQ(client.evicted, std::optional<uint64_t>(2));
  table.setProtected(3, true);
  EXPECT_EQ(table.admit(4, "late", kStart).admission, Admission::kHubFull) << "only protected connections left";
  table.setProtected(3, false);
  EXPECT_EQ(table.admit(5, "late", kStart).evicted, std::optional<uint64_t>(3)) << "unprotected again";
}

TEST(ConnectionTable, TheDeadlineCountsFromAdmissionWhateverHappensMeanwhile) {
  ConnectionTable table(limits(10, 10, milliseconds(10000)));
  ASSERT_EQ(table.admit(1, "a", kStart).admission, Admission::kAccepted);
  ASSERT_EQ(table.admit(2, "b", kStart + seconds(4)).admission, Admission::kAccepted);
  EXPECT_EQ(table.nextDeadline(), std::optional<SteadyTime>(kStart + seconds(10)));
  EXPECT_TRUE(table.expired(kStart + milliseconds(9999)).empty());
  table.setProtected(1, true);  // progress (or an answer being written) does not extend it
  EXPECT_EQ(table.expired(kStart + seconds(10)), std::vector<uint64_t>{1});
  EXPECT_EQ(table.expired(kStart + seconds(14)), (std::vector<uint64_t>{1, 2}));
  table.remove(1);
  table.remove(2);
  EXPECT_FALSE(table.nextDeadline().has_value());
}

TEST(ConnectionTable, IPv6CountsPerSlash64AndMappedIPv4AsIPv4) {
  EXPECT_EQ(addressKeyFor("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(addressKeyFor("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(addressKeyFor("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
  EXPECT_EQ(addressKeyFor("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  EXPECT_EQ(addressKeyFor("::ffff:192.0.2.7"), "192.0.2.7");
}

TEST(LogThrottle, TenLinesPerWindowThenOneSummaryOfTheRest) {
  LogThrottle throttle(10, seconds(10));
  int logged = 0;
  for (int i = 0; i < 250; ++i) logged += throttle.allow(kStart + milliseconds(i)) ? 1 : 0;
  EXPECT_EQ(logged, 10);
  EXPECT_EQ(throttle.takeSuppressed(kStart + seconds(9)), 0u) << "the window is not over yet";
  EXPECT_EQ(throttle.takeSuppressed(kStart + seconds(10)), 240u);
  EXPECT_EQ(throttle.takeSuppressed(kStart + seconds(11)), 0u) << "reported once";
  EXPECT_TRUE(throttle.allow(kStart + seconds(30))) << "a quiet period starts a fresh window";
}

TEST(LogThrottle, AWindowEndingWhileLinesArriveCarriesItsCountOver) {
  LogThrottle throttle(2, seconds(1));
  EXPECT_TRUE(throttle.allow(kStart));
  EXPECT_TRUE(throttle.allow(kStart));
  EXPECT_FALSE(throttle.allow(kStart + milliseconds(500)));
  EXPECT_TRUE(throttle.allow(kStart + milliseconds(1000))) << "new window";
  EXPECT_TRUE(throttle.allow(kStart + milliseconds(1100)));
  EXPECT_FALSE(throttle.allow(kStart + milliseconds(1100)));
  EXPECT_EQ(throttle.takeSuppressed(kStart + milliseconds(2000)), 2u) << "one from each window";
}

}  // namespace
}  // namespace nefia::hub
