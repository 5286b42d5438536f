// Unit tests of the WAN relay's delay line: order kept, dropped datagrams leave no gap, jitter never
// reorders, the ring wraps and reports how much room is left.
#include "delay_line.h"

#include <gtest/gtest.h>

#include <string>

namespace {

void receiveInto(DelayLine& line, size_t index, const std::string& payload) {
  std::memcpy(line.freeSlot(index), payload.data(), payload.size());
}

std::string datagramText(DelayLine& line, size_t i) {
  return std::string(reinterpret_cast<char*>(line.datagram(i)), line.length(i));
}

TEST(DelayLine, SkippedDatagramsOfABatchLeaveNoGap) {
  DelayLine line(8);
  line.beginBatch();
  for (size_t i = 0; i < 4; ++i) receiveInto(line, i, "d" + std::to_string(i));
  line.commit(0, 2, 100);
  line.commit(2, 2, 100);  // datagram 1 was lost
  line.commit(3, 2, 100);
  ASSERT_EQ(line.size(), 3u);
  EXPECT_EQ(datagramText(line, 0), "d0");
  EXPECT_EQ(datagramText(line, 1), "d2");
  EXPECT_EQ(datagramText(line, 2), "d3");
  EXPECT_EQ(line.freeSlots(), 5u);
}

TEST(DelayLine, AnEarlierDueTimeWaitsForThePreviousDatagram) {
  DelayLine line(4);
  line.beginBatch();
  receiveInto(line, 0, "a");
  receiveInto(line, 1, "b");
  line.commit(0, 1, 500);
  line.commit(1, 1, 200);  // jitter drew less delay: it must not overtake "a"
  EXPECT_EQ(line.due(0), 500);
  EXPECT_EQ(line.due(1), 500);
}

TEST(DelayLine, WrapsAroundAndKeepsOrder) {
  DelayLine line(3);
  for (int round = 0; round < 5; ++round) {
    line.beginBatch();
    receiveInto(line, 0, "x" + std::to_string(round));
    receiveInto(line, 1, "y" + std::to_string(round));
    line.commit(0, 2, round);
    line.commit(1, 2, round);
    ASSERT_EQ(line.freeSlots(), 1u);
    EXPECT_EQ(datagramText(line, 0), "x" + std::to_string(round));
    EXPECT_EQ(datagramText(line, 1), "y" + std::to_string(round));
    line.pop(2);
    EXPECT_TRUE(line.empty());
  }
}

}  // namespace
