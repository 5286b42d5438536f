// The supervisor's queue of beacon events for the operator's reactor: bounded (drop-oldest, counted), per-host
// sequence numbers, delivered only when acknowledged. In memory: it survives restarts of the beacons and
// forwarder workers, not a restart of the agent (README "Beacons").
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "ipc/beacon_payloads.h"

namespace nefia::supervisor {

// ~1.4 KiB per event at most (a 1 KiB message plus fields): the full queue stays below 1.5 MiB.
inline constexpr std::size_t kBeaconQueueCapacity = 1024;

class BeaconEventQueue {
 public:
  explicit BeaconEventQueue(std::size_t capacity = kBeaconQueueCapacity) : capacity_(capacity) {}

  // Stamps the host fields and the next sequence number (from 1), then queues it; a full queue drops its
  // oldest event first and counts the drop.
  void push(ipc::BeaconEvent event, const std::string& hostId, const std::string& hostName);
  // The reactor confirmed every event up to and including `sequence`: they leave the queue as delivered.
  void acknowledge(uint64_t sequence);
  // The "dropped" event to send first when the reactor is reachable again, while drops are unreported
  // (value: drops so far); acknowledging its sequence number marks the drops reported.
  std::optional<ipc::BeaconEvent> dropNotice(uint64_t wallUnixMs);
  const std::deque<ipc::BeaconEvent>& pending() const { return events_; }

  uint64_t queued() const { return events_.size(); }
  uint64_t delivered() const { return delivered_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t lastSequence() const { return sequence_; }

 private:
  std::size_t capacity_;
  std::deque<ipc::BeaconEvent> events_;
  uint64_t sequence_ = 0;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
  uint64_t droppedReported_ = 0;
  std::optional<ipc::BeaconEvent> notice_;  // the notice in flight, until acknowledged
  std::string hostId_;
  std::string hostName_;
};

}  // namespace nefia::supervisor
