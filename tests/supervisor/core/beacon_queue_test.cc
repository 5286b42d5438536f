// The supervisor's beacon event queue: per-host sequence numbers, drop-oldest overflow accounting, delivery
// only on acknowledgement, and the "dropped" notice until the reactor confirmed it.
#include "supervisor/core/beacon_queue.h"

#include <gtest/gtest.h>

namespace nefia::supervisor {
namespace {

ipc::BeaconEvent event(const std::string& name) {
  ipc::BeaconEvent made;
  made.kind = ipc::BeaconKind::kScript;
  made.name = name;
  made.state = ipc::BeaconState::kCritical;
  return made;
}

TEST(BeaconEventQueue, StampsHostAndIncreasingSequenceNumbers) {
  BeaconEventQueue queue(8);
  queue.push(event("a"), "host-1", "web1");
  queue.push(event("b"), "host-1", "web1");
  ASSERT_EQ(queue.queued(), 2u);
  EXPECT_EQ(queue.pending()[0].sequence, 1u);
  EXPECT_EQ(queue.pending()[1].sequence, 2u);
  EXPECT_EQ(queue.pending()[1].hostId, "host-1");
  EXPECT_EQ(queue.pending()[1].hostName, "web1");
}

TEST(BeaconEventQueue, OverflowDropsTheOldestAndCountsThem) {
  BeaconEventQueue queue(3);
  for (int i = 1; i <= 5; ++i) queue.push(event("e" + std::to_string(i)), "h", "n");
  EXPECT_EQ(queue.queued(), 3u);
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(queue.pending().front().name, "e3") << "order is kept, the oldest went";
  EXPECT_EQ(queue.pending().back().sequence, 5u);
}

TEST(BeaconEventQueue, OnlyAcknowledgedEventsCountAsDelivered) {
  BeaconEventQueue queue(8);
  for (int i = 0; i < 4; ++i) queue.push(event("e"), "h", "n");
  queue.acknowledge(2);
  EXPECT_EQ(queue.delivered(), 2u);
  EXPECT_EQ(queue.queued(), 2u);
  EXPECT_EQ(queue.pending().front().sequence, 3u);
  queue.acknowledge(2);  // a repeated acknowledgement changes nothing
  EXPECT_EQ(queue.delivered(), 2u);
  queue.acknowledge(100);
  EXPECT_EQ(queue.delivered(), 4u);
  EXPECT_EQ(queue.queued(), 0u);
}

TEST(BeaconEventQueue, DropsAreAnnouncedUntilTheNoticeIsAcknowledged) {
  BeaconEventQueue queue(2);
  EXPECT_FALSE(queue.dropNotice(1).has_value());
  for (int i = 0; i < 5; ++i) queue.push(event("e"), "h", "n");
  auto notice = queue.dropNotice(1000);
  ASSERT_TRUE(notice.has_value());
  EXPECT_EQ(notice->type, ipc::BeaconEventType::kDropped);
  EXPECT_EQ(notice->kind, ipc::BeaconKind::kAgent);
  EXPECT_EQ(notice->value, 3);
  EXPECT_EQ(notice->message, "3 events dropped: the queue of 2 was full while the reactor was unreachable");
  EXPECT_EQ(notice->sequence, 6u);
  EXPECT_EQ(queue.dropNotice(2000)->sequence, 6u) << "the same notice until it is confirmed";
  queue.acknowledge(6);
  EXPECT_FALSE(queue.dropNotice(3000).has_value());
  queue.push(event("more"), "h", "n");
  queue.push(event("more"), "h", "n");
  queue.push(event("more"), "h", "n");
  EXPECT_EQ(queue.dropNotice(4000)->message, "1 events dropped: the queue of 2 was full while the reactor was unreachable");
}

}  // namespace
}  // namespace nefia::supervisor
