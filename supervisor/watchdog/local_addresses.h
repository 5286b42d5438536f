// The host's interface addresses as a comparable set, and what changed between two readings. The network
// monitor's truth: netlink only says "look again". Never reports loopback addresses (they move no packets out).
#pragma once

#include <compare>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace nefia::supervisor {

struct InterfaceAddress {
  std::string interfaceName;  // "eth0"
  std::string address;        // "192.0.2.2", "2001:db8::2", "fe80::1" (scope in interfaceName)
  auto operator<=>(const InterfaceAddress&) const = default;
};
std::string toString(const InterfaceAddress& address);  // "192.0.2.2 on eth0"

using AddressSet = std::set<InterfaceAddress>;

struct AddressChange {
  std::vector<InterfaceAddress> added;
  std::vector<InterfaceAddress> removed;
  bool empty() const { return added.empty() && removed.empty(); }
};

// Sorted lists of what `after` has that `before` lacks (added) and the reverse (removed).
AddressChange diffAddresses(const AddressSet& before, const AddressSet& after);

// IPv4 and IPv6 addresses of every non-loopback interface (getifaddrs).
Result<AddressSet> readLocalAddresses();

}  // namespace nefia::supervisor
