// readLocalAddresses (getifaddrs) and diffAddresses. getifaddrs works everywhere we run, which is why
// the monitor re-reads through it on every netlink event instead of parsing the event's payload.
#include "supervisor/watchdog/local_addresses.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>

namespace nefia::supervisor {

std::string toString(const InterfaceAddress& address) { return address.address + " on " + address.interfaceName; }

AddressChange diffAddresses(const AddressSet& before, const AddressSet& after) {
  AddressChange change;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(change.added));
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(change.removed));
  return change;
}

Result<AddressSet> readLocalAddresses() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return makeError(std::string("cannot list the local interface addresses (getifaddrs): ") + std::strerror(errno));
  }
  std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> owner(list, ::freeifaddrs);
  AddressSet addresses;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char text[INET6_ADDRSTRLEN] = {};
    const int family = entry->ifa_addr->sa_family;
    const void* raw = nullptr;
    if (family == AF_INET) {
      raw = &reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr;
    } else if (family == AF_INET6) {
      raw = &reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr)->sin6_addr;
    } else {
      continue;  // AF_PACKET link entries carry no IP address
    }
    if (::inet_ntop(family, raw, text, sizeof text) == nullptr) continue;
    addresses.insert({entry->ifa_name, text});
  }
  return addresses;
}

}  // namespace nefia::supervisor
