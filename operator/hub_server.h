// `nefia vpn hub`: the enrollment listener (TCP, default port 19820, TLS 1.3 with the pinned self-signed identity).
// One connection at a time with 5 s I/O deadlines, so a slow or hostile client delays others by at most that; the
// per-IP rate limiter runs before any token work. Restores missing WireGuard peers at start and periodically.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "common/result.h"
#include "operator/hub_state.h"
#include "operator/rate_limiter.h"
#include "operator/wireguard_control.h"

namespace nefia::hub {

struct HubServerSettings {
  std::string listenAddress = "0.0.0.0:19820";
  RateLimiterSettings rateLimit;
  std::chrono::seconds ioTimeout{5};
  std::chrono::seconds restoreInterval{30};  // re-adds peers a restarted WireGuard lost
};

// Serves until stop becomes true (checked at least once a second). Errors only for start-up problems.
Status runHub(const HubFiles& files, WireGuardControl& wireguard, const HubServerSettings& settings,
              const std::atomic<bool>& stop);

}  // namespace nefia::hub
