// Watchdog adapter: runs WatchdogPolicy on a uv timer and turns its actions into the supervisor's callbacks.
// All decisions stay in the policy; this file only converts clocks and keeps the timer armed.
#include "supervisor/watchdog/watchdog.h"

#include <tuple>

namespace nefia::supervisor {
namespace {

uint64_t timerDelayMs(WatchdogTime wakeup, WatchdogTime now) {
  if (wakeup <= now) return 0;
  return static_cast<uint64_t>(std::chrono::ceil<std::chrono::milliseconds>(wakeup - now).count());
}

}  // namespace

std::vector<PeerSnapshot> toSnapshots(const std::vector<ipc::PeerStatus>& peers, WatchdogTime now, WallTime wallNow) {
  std::vector<PeerSnapshot> snapshots;
  snapshots.reserve(peers.size());
  for (const ipc::PeerStatus& peer : peers) {
    PeerSnapshot snapshot{peer.publicKey, std::nullopt};
    if (peer.lastHandshakeUnixMs != 0) {
      const WallTime handshake{std::chrono::milliseconds(peer.lastHandshakeUnixMs)};
      snapshot.lastHandshake = now - std::chrono::duration_cast<WatchdogClock::duration>(wallNow - handshake);
    }
    snapshots.push_back(std::move(snapshot));
  }
  return snapshots;
}

Watchdog::Watchdog(uv_loop_t* loop, const AgentConfig& config, Callbacks callbacks)
    : loop_(loop),
      callbacks_(std::move(callbacks)),
      policy_(WatchdogTimings::from(config.testing), WatchdogClock::now()) {
  policy_.setPeers(config.peers);
  timer_.init(uv_timer_init, loop_);
  timer_.get()->data = this;
}

Watchdog::~Watchdog() = default;

void Watchdog::start() {
  running_ = true;
  arm();
}

void Watchdog::stop() {
  running_ = false;
  uv_timer_stop(timer_.get());
}

template <typename Change>
void Watchdog::reportingChanges(Change&& change) {
  auto shown = [this] {
    return std::tuple(policy_.healthy(), policy_.rebuildCount(), policy_.anyEndpointPeerStale(),
                      policy_.consecutiveFailures());
  };
  const auto before = shown();
  change();
  if (shown() != before && callbacks_.stateChanged) callbacks_.stateChanged();
  if (running_) arm();
}

void Watchdog::setPeers(const std::vector<PeerEntry>& peers) {
  reportingChanges([&] { policy_.setPeers(peers); });
}

void Watchdog::onPeerStatus(const std::optional<std::vector<ipc::PeerStatus>>& peers) {
  if (!running_) return;
  reportingChanges([&] {
    const WatchdogTime now = WatchdogClock::now();
    if (peers) {
      policy_.onPeerStatus(now, toSnapshots(*peers, now, std::chrono::system_clock::now()));
    } else {
      policy_.onPeerStatus(now, std::nullopt);
    }
  });
}

void Watchdog::onNetworkChange() {
  if (!running_) return;
  reportingChanges([&] { policy_.onNetworkChange(WatchdogClock::now()); });
}

std::string Watchdog::lastRebuild() const {
  return lastRebuildWallTime_ ? formatRfc3339(*lastRebuildWallTime_) : std::string();
}

void Watchdog::arm() {
  uv_update_time(loop_);
  uv_timer_start(
      timer_.get(), [](uv_timer_t* timer) { static_cast<Watchdog*>(timer->data)->onTimer(); },
      timerDelayMs(policy_.nextWakeup(), WatchdogClock::now()), 0);
}

void Watchdog::onTimer() {
  if (!running_) return;
  reportingChanges([&] {
    const WatchdogTime now = WatchdogClock::now();
    switch (policy_.onTimer(now)) {
      case WatchdogAction::kRequestStatus:
        if (!callbacks_.requestPeerStatus || !callbacks_.requestPeerStatus()) policy_.onPeerStatus(now, std::nullopt);
        break;
      case WatchdogAction::kRebuild:
        lastRebuildWallTime_ = std::chrono::system_clock::now();
        if (callbacks_.rebuildTunnel) callbacks_.rebuildTunnel();
        break;
      case WatchdogAction::kNone: break;
    }
  });
}

}  // namespace nefia::supervisor
