// The last state of every beacon and the events it gives: one on every change of state (not one per
// run, which floods the operator) and, every heartbeat interval, one heartbeat per beacon. Pure.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ipc/beacon_payloads.h"
#include "workers/beacons/scheduler.h"

namespace nefia::beacons {

// The product default (README "Beacons"); the testing: section shortens it.
inline constexpr Duration kDefaultHeartbeatInterval = std::chrono::minutes(15);

// What one run found about one beacon.
struct Observation {
  ipc::BeaconKind kind = ipc::BeaconKind::kScript;
  std::string name;
  ipc::BeaconState state = ipc::BeaconState::kUnknown;
  nlohmann::json value;  // percent, unit state, exit code, or null
  std::string message;   // any bytes: sanitized and cut here
  std::string reason;
};

struct TrackedBeacon {
  Observation last;
  uint64_t lastRunUnixMs = 0;
};

class StateTracker {
 public:
  StateTracker(Duration heartbeatInterval, TimePoint now) : heartbeat_(heartbeatInterval), nextHeartbeat_(now + heartbeatInterval) {}

  // Records a run's finding; the event when the state differs from the last one (or it is the first
  // finding of this beacon since start: then previous_state is "unknown").
  std::optional<ipc::BeaconEvent> record(Observation observation, uint64_t wallUnixMs);
  // The heartbeat events when one is due at `now` (then the next is one interval later), else none.
  std::vector<ipc::BeaconEvent> heartbeatIfDue(TimePoint now, uint64_t wallUnixMs);
  TimePoint nextHeartbeat() const { return nextHeartbeat_; }
  void setHeartbeatInterval(Duration interval, TimePoint now);
  // Forgets beacons not in `keep` (kind, name) after a reconfiguration.
  void retainOnly(const std::set<std::pair<ipc::BeaconKind, std::string>>& keep);
  const TrackedBeacon* find(ipc::BeaconKind kind, const std::string& name) const;
  const std::map<std::pair<ipc::BeaconKind, std::string>, TrackedBeacon>& beacons() const { return beacons_; }

 private:
  Duration heartbeat_;
  TimePoint nextHeartbeat_;
  std::map<std::pair<ipc::BeaconKind, std::string>, TrackedBeacon> beacons_;
};

}  // namespace nefia::beacons
