// Admission and deadlines of the hub's connections. Eviction picks the address holding the most connections and
// closes its oldest unprotected one, only when that address holds more than the newcomer's: a flood from a few
// addresses gives way to a client with fewer connections, and equals replace each other oldest first.
#include "operator/connection_table.h"

#include <arpa/inet.h>

#include <cstring>

namespace nefia::hub {

std::optional<uint64_t> ConnectionTable::evictionVictim(std::size_t newcomerCount) const {
  std::optional<uint64_t> victim;
  std::size_t victimCount = 0;
  for (const auto& [id, entry] : connections_) {  // oldest first, so the first of each address is its oldest
    if (entry.isProtected) continue;
    const std::size_t count = perAddress_.at(entry.address);
    if (count > victimCount) {
      victim = id;
      victimCount = count;
    }
  }
  if (!victim || victimCount <= newcomerCount) return std::nullopt;
  return victim;
}

AdmissionResult ConnectionTable::admit(uint64_t id, const std::string& address, SteadyTime now) {
  AdmissionResult result;
  const std::size_t existing = countFor(address);
  if (existing >= limits_.maxPerAddress) {
    result.admission = Admission::kAddressFull;
    return result;
  }
  if (connections_.size() >= limits_.maxConnections) {
    const std::optional<uint64_t> victim = evictionVictim(existing);
    if (!victim) {
      result.admission = Admission::kHubFull;
      return result;
    }
    result.evicted = victim;
    result.evictedAddress = connections_.at(*victim).address;
    remove(*victim);
  }
  connections_[id] = Entry{address, now + limits_.deadline, false};
  ++perAddress_[address];
  return result;
}

void ConnectionTable::setProtected(uint64_t id, bool isProtected) {
  if (auto it = connections_.find(id); it != connections_.end()) it->second.isProtected = isProtected;
}

void ConnectionTable::remove(uint64_t id) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const auto count = perAddress_.find(it->second.address);
  if (--count->second == 0) perAddress_.erase(count);
  connections_.erase(it);
}

std::vector<uint64_t> ConnectionTable::expired(SteadyTime now) const {
  std::vector<uint64_t> ids;
  for (const auto& [id, entry] : connections_) {
    if (entry.deadline <= now) ids.push_back(id);
  }
  return ids;
}

std::optional<SteadyTime> ConnectionTable::nextDeadline() const {
  std::optional<SteadyTime> next;
  for (const auto& [id, entry] : connections_) {
    if (!next || entry.deadline < *next) next = entry.deadline;
  }
  return next;
}

std::size_t ConnectionTable::countFor(const std::string& address) const {
  const auto it = perAddress_.find(address);
  return it == perAddress_.end() ? 0 : it->second;
}

std::string addressKeyFor(const std::string& ip) {
  in6_addr v6{};
  if (ip.find(':') == std::string::npos || ::inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return ip;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &v6.s6_addr[12], text, sizeof text);
    return text;
  }
  std::memset(&v6.s6_addr[8], 0, 8);
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &v6, text, sizeof text);
  return std::string(text) + "/64";
}

}  // namespace nefia::hub
