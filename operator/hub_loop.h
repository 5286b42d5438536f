// The hub's event loop: accept and admit, drive each connection's state machine, answer complete requests, close
// connections whose deadline passed, restore WireGuard peers, and log what clients cause under a rate limit.
// Single-threaded by design (see hub_server.h); never blocks on a client.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "operator/connection_table.h"
#include "operator/enrollment_service.h"
#include "operator/hub_connection.h"
#include "operator/hub_server.h"
#include "operator/log_throttle.h"
#include "operator/rate_limiter.h"

namespace nefia::hub {

class HubLoop {
 public:
  // listener: non-blocking, owned by the caller.
  HubLoop(int listener, SSL_CTX* context, EnrollmentService& service, const HubServerSettings& settings);
  void run(const std::atomic<bool>& stop);

 private:
  void acceptPending(SteadyTime now);
  void admit(int fd, const std::string& peer, SteadyTime now);
  void drive(uint64_t id, SteadyTime now);
  std::string respond(const HubConnection& connection, SteadyTime now);
  void closeExpired(SteadyTime now);
  void restoreWhenDue(SteadyTime now);
  void reportSuppressed(SteadyTime now);
  int pollTimeoutMs(SteadyTime now) const;
  void forget(uint64_t id);

  int listener_;
  SSL_CTX* context_;
  EnrollmentService& service_;
  const HubServerSettings& settings_;
  RateLimiter limiter_;
  ConnectionTable table_;
  std::map<uint64_t, std::unique_ptr<HubConnection>> connections_;
  uint64_t nextId_ = 1;
  SteadyTime acceptPausedUntil_{};
  SteadyTime nextRestore_;
  // One bound per kind, so a flood of one kind never hides the first lines of another.
  LogThrottle refusalLog_;
  LogThrottle deadlineLog_;
  LogThrottle requestLog_;
};

// Lines per window and window of each of the hub's client-caused log kinds.
constexpr std::size_t kClientLogLines = 10;
constexpr std::chrono::seconds kClientLogWindow{10};

}  // namespace nefia::hub
