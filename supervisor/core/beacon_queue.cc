// BeaconEventQueue (beacon_queue.h): sequence numbers, drop-oldest accounting, acknowledgements.
// Pure: no I/O, no clock of its own.
#include "supervisor/core/beacon_queue.h"

namespace nefia::supervisor {

void BeaconEventQueue::push(ipc::BeaconEvent event, const std::string& hostId, const std::string& hostName) {
  hostId_ = hostId;
  hostName_ = hostName;
  event.hostId = hostId;
  event.hostName = hostName;
  event.sequence = ++sequence_;
  if (events_.size() >= capacity_) {
    events_.pop_front();
    ++dropped_;
  }
  events_.push_back(std::move(event));
}

void BeaconEventQueue::acknowledge(uint64_t sequence) {
  if (notice_ && notice_->sequence <= sequence) {
    droppedReported_ = notice_->value.get<uint64_t>();
    notice_.reset();
  }
  while (!events_.empty() && events_.front().sequence <= sequence) {
    events_.pop_front();
    ++delivered_;
  }
}

std::optional<ipc::BeaconEvent> BeaconEventQueue::dropNotice(uint64_t wallUnixMs) {
  if (dropped_ == droppedReported_) return std::nullopt;
  if (!notice_ || notice_->value.get<uint64_t>() != dropped_) {
    ipc::BeaconEvent notice;
    notice.type = ipc::BeaconEventType::kDropped;
    notice.kind = ipc::BeaconKind::kAgent;
    notice.name = "beacon_queue";
    notice.state = ipc::BeaconState::kWarning;
    notice.previousState = ipc::BeaconState::kWarning;
    notice.value = dropped_;
    notice.message = std::to_string(dropped_ - droppedReported_) + " events dropped: the queue of " +
                     std::to_string(capacity_) + " was full while the reactor was unreachable";
    notice.reason = "queue_full";
    notice.timeUnixMs = wallUnixMs;
    notice.hostId = hostId_;
    notice.hostName = hostName_;
    notice.sequence = ++sequence_;
    notice_ = std::move(notice);
  }
  return notice_;
}

}  // namespace nefia::supervisor
