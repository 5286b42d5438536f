// Watchdog: the supervisor's libuv face of WatchdogPolicy. One timer; it asks for peer status, tells the
// supervisor when to rebuild the tunnel and when the health report changed. It never touches a worker itself.
#pragma once

#include <uv.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config/agent_config.h"
#include "common/config/rfc3339.h"
#include "ipc/payloads.h"
#include "common/uv_handle.h"
#include "supervisor/watchdog/watchdog_policy.h"

namespace nefia::supervisor {

class Watchdog {
 public:
  struct Callbacks {
    // Send a status_request to the tunnel worker; false when it could not be sent (counts as all stale).
    // The answer comes back through onPeerStatus().
    std::function<bool()> requestPeerStatus;
    // Replace the tunnel worker's incarnation: new process, freshly bound UDP socket, names re-resolved.
    std::function<void()> rebuildTunnel;
    // rebuild_count, last_rebuild, the watchdog's health or a stale flag changed: rewrite the report.
    std::function<void()> stateChanged;
  };

  // Timings come from config.testing (read once); peers from config.peers (setPeers() after a reload).
  Watchdog(uv_loop_t* loop, const AgentConfig& config, Callbacks callbacks);
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog();

  void start();
  void stop();  // shutdown: no more requests or rebuilds
  void setPeers(const std::vector<PeerEntry>& peers);
  // Every tunnel status report, or nullopt when a status request failed (IPC error).
  void onPeerStatus(const std::optional<std::vector<ipc::PeerStatus>>& peers);
  // The network monitor saw local addresses change: rebuild at once, even during a cooldown.
  void onNetworkChange();

  uint64_t rebuildCount() const { return policy_.rebuildCount(); }
  std::string lastRebuild() const;  // RFC 3339, "" before the first rebuild
  bool peerStale(const std::string& publicKey) const { return policy_.peerStale(publicKey); }
  bool anyEndpointPeerStale() const { return policy_.anyEndpointPeerStale(); }
  bool healthy() const { return policy_.healthy(); }
  const WatchdogPolicy& policy() const { return policy_; }

 private:
  void onTimer();
  void arm();
  // Calls stateChanged when something the health report shows differs from before `change` ran.
  template <typename Change>
  void reportingChanges(Change&& change);

  uv_loop_t* loop_;
  Callbacks callbacks_;
  WatchdogPolicy policy_;
  UvHandle<uv_timer_t> timer_;
  std::optional<std::chrono::system_clock::time_point> lastRebuildWallTime_;
  bool running_ = false;
};

// The tunnel's peer list with each RFC 3339 handshake moved onto the monotonic clock (age measured on the
// wall clock at `wallNow`). An empty or unreadable handshake time means none.
std::vector<PeerSnapshot> toSnapshots(const std::vector<ipc::PeerStatus>& peers, WatchdogTime now, WallTime wallNow);

}  // namespace nefia::supervisor
