// Address diffs as the network monitor logs them, and a real getifaddrs reading of this host.
#include "supervisor/watchdog/local_addresses.h"

#include <gtest/gtest.h>

namespace nefia::supervisor {
namespace {

const InterfaceAddress kOld{"eth0", "192.0.2.2"};
const InterfaceAddress kNew{"eth0", "192.0.2.3"};
const InterfaceAddress kV6{"eth0", "2001:db8::2"};

TEST(AddressDiff, ReportsAddedAndRemovedAddresses) {
  const AddressChange change = diffAddresses({kOld, kV6}, {kNew, kV6});
  EXPECT_EQ(change.added, std::vector<InterfaceAddress>{kNew});
  EXPECT_EQ(change.removed, std::vector<InterfaceAddress>{kOld});
  EXPECT_FALSE(change.empty());
}

TEST(AddressDiff, SameSetIsNoChange) { EXPECT_TRUE(diffAddresses({kOld, kV6}, {kV6, kOld}).empty()); }

TEST(AddressDiff, AnAddressMovingToAnotherInterfaceIsAChange) {
  const AddressChange change = diffAddresses({kOld}, {{"wlan0", "192.0.2.2"}});
  EXPECT_EQ(change.added.size(), 1u);
  EXPECT_EQ(change.removed.size(), 1u);
}

TEST(AddressDiff, FirstReadingAddsEverything) {
  const AddressChange change = diffAddresses({}, {kOld, kV6});
  EXPECT_EQ(change.added.size(), 2u);
  EXPECT_TRUE(change.removed.empty());
}

TEST(AddressDiff, LogTextNamesAddressAndInterface) { EXPECT_EQ(toString(kOld), "192.0.2.2 on eth0"); }

TEST(LocalAddresses, ReadingLeavesOutLoopback) {
  Result<AddressSet> addresses = readLocalAddresses();
  ASSERT_TRUE(addresses.ok()) << addresses.error();
  for (const InterfaceAddress& address : addresses.value()) {
    EXPECT_NE(address.address, "127.0.0.1");
    EXPECT_NE(address.address, "::1");
  }
}

}  // namespace
}  // namespace nefia::supervisor
