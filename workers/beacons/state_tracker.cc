// The beacon state tracker (state_tracker.h): previous states, change events, heartbeats.
// Pure: wall and monotonic time come in as arguments.
#include "workers/beacons/state_tracker.h"

namespace nefia::beacons {
namespace {

ipc::BeaconEvent eventFor(const Observation& observation, ipc::BeaconState previous, ipc::BeaconEventType type,
                          uint64_t wallUnixMs) {
  ipc::BeaconEvent event;
  event.type = type;
  event.kind = observation.kind;
  event.name = observation.name;
  event.state = observation.state;
  event.previousState = previous;
  event.value = observation.value;
  event.message = observation.message;
  event.reason = observation.reason;
  event.timeUnixMs = wallUnixMs;
  return event;
}

}  // namespace

std::optional<ipc::BeaconEvent> StateTracker::record(Observation observation, uint64_t wallUnixMs) {
  observation.name = ipc::sanitizeBeaconText(observation.name, ipc::kMaxBeaconNameBytes);
  observation.message = ipc::sanitizeBeaconText(observation.message, ipc::kMaxBeaconMessageBytes);
  observation.reason = ipc::sanitizeBeaconText(observation.reason, ipc::kMaxBeaconReasonBytes);
  if (observation.value.is_string()) {
    observation.value = ipc::sanitizeBeaconText(observation.value.get<std::string>(), ipc::kMaxBeaconValueBytes);
  }
  const auto key = std::make_pair(observation.kind, observation.name);
  auto found = beacons_.find(key);
  const bool first = found == beacons_.end();
  const ipc::BeaconState previous = first ? ipc::BeaconState::kUnknown : found->second.last.state;
  const bool changed = first || previous != observation.state;
  std::optional<ipc::BeaconEvent> event;
  if (changed) event = eventFor(observation, previous, ipc::BeaconEventType::kChange, wallUnixMs);
  TrackedBeacon& tracked = beacons_[key];
  tracked.last = std::move(observation);
  tracked.lastRunUnixMs = wallUnixMs;
  return event;
}

std::vector<ipc::BeaconEvent> StateTracker::heartbeatIfDue(TimePoint now, uint64_t wallUnixMs) {
  std::vector<ipc::BeaconEvent> events;
  if (now < nextHeartbeat_) return events;
  nextHeartbeat_ += heartbeat_;
  if (nextHeartbeat_ <= now) nextHeartbeat_ = now + heartbeat_;
  for (const auto& [key, tracked] : beacons_) {
    events.push_back(eventFor(tracked.last, tracked.last.state, ipc::BeaconEventType::kHeartbeat, wallUnixMs));
  }
  return events;
}

void StateTracker::setHeartbeatInterval(Duration interval, TimePoint now) {
  if (interval == heartbeat_) return;
  heartbeat_ = interval;
  nextHeartbeat_ = now + interval;
}

void StateTracker::retainOnly(const std::set<std::pair<ipc::BeaconKind, std::string>>& keep) {
  std::erase_if(beacons_, [&](const auto& entry) { return !keep.contains(entry.first); });
}

const TrackedBeacon* StateTracker::find(ipc::BeaconKind kind, const std::string& name) const {
  auto found = beacons_.find({kind, name});
  return found == beacons_.end() ? nullptr : &found->second;
}

}  // namespace nefia::beacons
