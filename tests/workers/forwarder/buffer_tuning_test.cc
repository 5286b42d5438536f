// Unit tests for the buffer autotuning arithmetic (workers/forwarder/buffer_tuning.h): growth with the measured
// bandwidth-delay product, the fall back when idle, and the one cap over all connections. Times are fake.
#include "workers/forwarder/buffer_tuning.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace nefia::forwarder {
namespace {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * kKiB;
constexpr TuningRange kRange{256 * kKiB, 8 * kMiB};

// A sender filling the window: every `stepMs` the application takes `bytes`.
void deliverFor(BufferTuner& tuner, uint32_t& now, uint32_t untilMs, std::size_t bytes, uint32_t stepMs, uint32_t rttMs) {
  for (; now < untilMs; now += stepMs) tuner.onDelivered(bytes, now, rttMs);
}

TEST(BufferTuning, ReceiveWindowGrowsToTwiceTheDeliveredBandwidthDelayProduct) {
  BufferBudget budget(64 * kMiB);
  BufferTuner tuner(budget, kRange);
  EXPECT_EQ(tuner.limit(), 256 * kKiB);
  // 100 ms RTT, 40 Mbit/s delivered (500 KB per 100 ms): twice the BDP is about 1 MB.
  uint32_t now = 1000;
  deliverFor(tuner, now, 1000 + 100, 50'000, 10, 100);
  EXPECT_EQ(tuner.limit(), 256 * kKiB) << "no full RTT measured yet";
  tuner.onDelivered(50'000, now, 100);
  EXPECT_EQ(tuner.limit(), 2 * 550'000u) << "the first interval held 11 deliveries of 50 KB";
  EXPECT_EQ(budget.used(), tuner.reserved());
  EXPECT_EQ(tuner.reserved(), tuner.limit());
}

TEST(BufferTuning, WindowDoublesEachRoundTripWhileTheSenderFillsItAndStopsAtTheMaximum) {
  BufferBudget budget(64 * kMiB);
  BufferTuner tuner(budget, kRange);
  uint32_t now = 0;
  std::vector<std::size_t> limits;
  for (int round = 0; round < 8; ++round) {
    // The sender sends one full window per 100 ms round trip, in ten pieces.
    const std::size_t window = tuner.limit();
    for (int piece = 0; piece < 10; ++piece, now += 10) tuner.onDelivered(window / 10, now, 100);
    tuner.onDelivered(0, now, 100);
    limits.push_back(tuner.limit());
  }
  for (std::size_t i = 1; i < limits.size() && limits[i - 1] < 4 * kMiB; ++i) {
    EXPECT_GE(limits[i], limits[i - 1] * 3 / 2) << "round " << i;
  }
  EXPECT_EQ(limits.back(), 8 * kMiB) << "8 MiB is the largest window";
}

TEST(BufferTuning, AShortBurstDoesNotCountAsARoundTripOfData) {
  BufferBudget budget(64 * kMiB);
  BufferTuner tuner(budget, kRange);
  tuner.onDelivered(200 * kKiB, 0, 100);
  // 400 ms later (a pause), another small piece: 200 KiB over 400 ms is 50 KiB per 100 ms RTT.
  tuner.onDelivered(0, 400, 100);
  EXPECT_EQ(tuner.limit(), 256 * kKiB) << "the rate over the whole interval, not the burst, is the BDP";
}

TEST(BufferTuning, IdleConnectionFallsBackToTheInitialSizeAndReleasesTheBudget) {
  BufferBudget budget(64 * kMiB);
  BufferTuner tuner(budget, kRange);
  tuner.onSendWindow(2 * kMiB, 128 * kKiB, 0);
  EXPECT_EQ(tuner.limit(), 4 * kMiB + 128 * kKiB);
  tuner.onTick(500, 4 * kMiB);
  EXPECT_EQ(tuner.limit(), 4 * kMiB + 128 * kKiB) << "half a second without traffic is not idle";
  tuner.onTick(1000, 3 * kMiB);
  EXPECT_EQ(tuner.limit(), 256 * kKiB);
  EXPECT_EQ(tuner.reserved(), 3 * kMiB) << "what is still outstanding stays reserved";
  tuner.onTick(1040, 0);
  EXPECT_EQ(tuner.reserved(), 256 * kKiB);
  EXPECT_EQ(budget.used(), 256 * kKiB);
}

TEST(BufferTuning, OneCapBoundsAllConnectionsButTheInitialSizesAreAlwaysGranted) {
  BufferBudget budget(10 * kMiB);
  std::vector<std::unique_ptr<BufferTuner>> tuners;
  for (int i = 0; i < 4; ++i) tuners.push_back(std::make_unique<BufferTuner>(budget, kRange));
  EXPECT_EQ(budget.used(), 1 * kMiB);
  tuners[0]->onSendWindow(4 * kMiB, 0, 0);
  EXPECT_EQ(tuners[0]->limit(), 8 * kMiB);
  tuners[1]->onSendWindow(4 * kMiB, 0, 0);
  EXPECT_EQ(tuners[1]->limit(), 1536 * kKiB) << "only what is left under the cap";
  EXPECT_EQ(budget.used(), 10 * kMiB);
  // A connection opened over the cap still gets its initial size.
  tuners.push_back(std::make_unique<BufferTuner>(budget, kRange));
  EXPECT_EQ(tuners.back()->limit(), 256 * kKiB);
  EXPECT_EQ(budget.used(), 10 * kMiB + 256 * kKiB);
  // Closing the big one returns its share: the second may now grow.
  tuners.erase(tuners.begin());
  tuners[0]->onSendWindow(4 * kMiB, 0, 1);
  EXPECT_EQ(tuners[0]->limit(), 8 * kMiB);
  tuners.clear();
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace nefia::forwarder
