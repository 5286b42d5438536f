// `nefia vpn hub`: the enrollment listener (TCP, default port 19820, TLS 1.3 with the pinned self-signed identity).
// One thread, one poll loop, every socket non-blocking: at most 512 connections (16 per address), each with a
// total deadline of 10 s, so a slow or hostile client holds one slot for 10 s and never stalls another. The loop is
// the single owner of the rate limiter, the nonce store, known_hosts and `wg`: each request is decided to the end
// before the next one, which keeps tokens single-use however many clients race (flock guards other processes).
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "common/result.h"
#include "operator/connection_table.h"
#include "operator/hub_state.h"
#include "operator/rate_limiter.h"
#include "operator/wireguard_control.h"

namespace nefia::hub {

struct HubServerSettings {
  std::string listenAddress = "0.0.0.0:19820";
  RateLimiterSettings rateLimit;
  ConnectionLimits connections;
  std::chrono::seconds restoreInterval{30};  // re-adds peers a restarted WireGuard lost
};

// Serves until stop becomes true (checked at least once a second). Errors only for start-up problems.
Status runHub(const HubFiles& files, WireGuardControl& wireguard, const HubServerSettings& settings,
              const std::atomic<bool>& stop);

}  // namespace nefia::hub
