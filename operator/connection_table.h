// The hub's open connections as numbers: admission against the total and per-address bounds, each connection's
// absolute deadline, and which connection gives way when the hub is full. Pure logic with an injected clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "operator/rate_limiter.h"

namespace nefia::hub {

struct ConnectionLimits {
  std::size_t maxConnections = 512;  // all addresses together; each costs one fd and at most ~100 KiB
  std::size_t maxPerAddress = 16;    // one IPv4 address, or one IPv6 /64
  // From accept to the last byte of the answer: TLS handshake, request, enrollment and answer together.
  std::chrono::milliseconds deadline{10000};
};

enum class Admission {
  kAccepted,
  kAddressFull,  // this address already holds maxPerAddress connections
  kHubFull,      // maxConnections are open and none belongs to an address holding more than this one
};

struct AdmissionResult {
  Admission admission = Admission::kAccepted;
  // When the hub was full: the connection closed to make room (the oldest one of the address holding the most).
  std::optional<uint64_t> evicted;
  std::string evictedAddress;
};

class ConnectionTable {
 public:
  explicit ConnectionTable(ConnectionLimits limits) : limits_(limits) {}

  // Decides for a new connection from address (a key from addressKeyFor); when accepted it is registered under id
  // (ids grow with time) with the deadline now + limits.deadline, and an evicted connection is already forgotten.
  AdmissionResult admit(uint64_t id, const std::string& address, SteadyTime now);
  // A connection that is writing its answer is not evicted (the enrollment already happened).
  void setProtected(uint64_t id, bool isProtected);
  void remove(uint64_t id);

  std::vector<uint64_t> expired(SteadyTime now) const;  // oldest first
  std::optional<SteadyTime> nextDeadline() const;
  std::size_t size() const { return connections_.size(); }
  std::size_t countFor(const std::string& address) const;
  const ConnectionLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::string address;
    SteadyTime deadline;
    bool isProtected = false;
  };
  std::optional<uint64_t> evictionVictim(std::size_t newcomerCount) const;

  ConnectionLimits limits_;
  std::map<uint64_t, Entry> connections_;  // ordered by id: oldest first
  std::map<std::string, std::size_t> perAddress_;
};

// The unit the per-address bound counts: the IPv4 address itself, the /64 of an IPv6 address (one subscriber
// usually holds a whole /64), an IPv4-mapped IPv6 address as IPv4.
std::string addressKeyFor(const std::string& ip);

}  // namespace nefia::hub
