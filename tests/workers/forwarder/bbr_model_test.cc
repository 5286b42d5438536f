// Unit tests for BbrModel (bbr_model.h): delivery-rate and min-RTT filters, the startup/drain/probe phases
// and the congestion window they give lwIP, driven with explicit times (no lwIP, no clock).
#include "workers/forwarder/bbr_model.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace nefia::forwarder {
namespace {

constexpr uint32_t kMss = 1380;

// A sender that keeps `flight` bytes in flight on a path of `rttMs`: each round acknowledges the flight in
// `acksPerRound` ACKs spread over the round and sends as much again after each.
class PathSimulation {
 public:
  void round(uint32_t rttMs, uint32_t flight, bool loss = false, unsigned acksPerRound = 10, uint32_t cwnd = 0) {
    if (!started_) {
      started_ = true;
      sndNxt_ = sndUna_ + flight;
      model.onAck({nowMs_, 0, sndUna_, sndNxt_, false});
    }
    const uint32_t perAck = flight / acksPerRound;
    for (unsigned i = 0; i < acksPerRound; ++i) {
      nowMs_ += rttMs / acksPerRound;
      sndUna_ += perAck;
      // lwIP calls the hook before it sends the data this ACK makes room for.
      model.onAck({nowMs_, perAck, sndUna_, sndNxt_, loss, 0, 0, cwnd});
      sndNxt_ = sndUna_ + flight;
    }
  }
  uint32_t nowMs() const { return nowMs_; }
  uint32_t inFlight() const { return sndNxt_ - sndUna_; }
  BbrModel model;

 private:
  bool started_ = false;
  uint32_t nowMs_ = 1000;
  uint32_t sndUna_ = 0xFFFF0000u;  // wraps during the test
  uint32_t sndNxt_ = 0;
};

TEST(BbrModelTest, WithoutASampleLwipsWindowStands) {
  BbrModel model;
  EXPECT_EQ(model.congestionWindow(5 * kMss, kMss), 5 * kMss);
  // A path under a millisecond: rounds end within the same millisecond and give no sample.
  model.onAck({50, 0, 0, 10 * kMss, false});
  model.onAck({50, 10 * kMss, 10 * kMss, 20 * kMss, false});
  model.onAck({50, 10 * kMss, 20 * kMss + 1, 30 * kMss, false});
  EXPECT_FALSE(model.hasModel());
  EXPECT_EQ(model.congestionWindow(2 * kMss, kMss), 2 * kMss);  // Nor does a path of a few milliseconds (the clock's rounding would make the BDP too small).
  PathSimulation shortPath;
  for (int i = 0; i < 4; ++i) shortPath.round(4, 40000, false, 4);
  EXPECT_EQ(shortPath.model.minRttMs(), 4u);
  EXPECT_FALSE(shortPath.model.hasModel());
  EXPECT_EQ(shortPath.model.congestionWindow(2 * kMss, kMss), 2 * kMss);
  EXPECT_EQ(shortPath.model.pacingRate(), 0u);
}

// With random loss nearly every round has a hole. Data sent after the round began and reported in a SACK block
// ends the round (before: only the cumulative ACK did, so the hole's resend stretched the round and halved the
// measured rate); the SACKed bytes count as delivered and leave the flight.
TEST(BbrModelTest, SackedDataEndsTheRoundWhileAHoleWaits) {
  const uint32_t una = 0xFFFFF000u;  // wraps
  const uint32_t nxt = una + 20 * kMss;
  BbrModel model;
  model.onAck({1000, 0, una, nxt, false});
  // 50 ms later the first segment is still missing, the receiver SACKs the 19 after it and one sent since.
  model.onAck({1050, 19 * kMss, una, nxt + 20 * kMss, true, 20 * kMss, 21 * kMss});
  EXPECT_EQ(model.rounds(), 1u);
  EXPECT_EQ(model.deliveredBytes(), 19u * kMss);
  EXPECT_EQ(model.maxBandwidth(), 19u * kMss / 50);

  // The same ACK without the SACK information (cumulative only) ends no round: the hole holds sndUna.
  BbrModel cumulativeOnly;
  cumulativeOnly.onAck({1000, 0, una, nxt, false});
  cumulativeOnly.onAck({1050, 0, una, nxt + 20 * kMss, true});
  EXPECT_EQ(cumulativeOnly.rounds(), 0u);
}

// An SSH handshake (a few hundred bytes per round trip with a window of 100 KB) is application-limited: it does
// not end startup, so the transfer that follows still ramps up at the startup gain. The same rounds with the
// flight filling the window end startup after three rounds without growth.
TEST(BbrModelTest, ApplicationLimitedRoundsDoNotEndStartup) {
  PathSimulation handshake;
  for (int i = 0; i < 10; ++i) handshake.round(100, 2000, false, 2, /*cwnd=*/100000);
  EXPECT_TRUE(handshake.model.hasModel());
  EXPECT_EQ(handshake.model.phase(), BbrModel::Phase::kStartup);
  EXPECT_DOUBLE_EQ(handshake.model.pacingGain(), BbrModel::kStartupGain);

  PathSimulation windowLimited;
  for (int i = 0; i < 10; ++i) windowLimited.round(100, 2000, false, 2, /*cwnd=*/2000);
  EXPECT_NE(windowLimited.model.phase(), BbrModel::Phase::kStartup);
}

TEST(BbrModelTest, MeasuresDeliveryRateAndMinimumRtt) {
  PathSimulation path;
  for (int i = 0; i < 4; ++i) path.round(100, 100000);
  ASSERT_TRUE(path.model.hasModel());
  EXPECT_EQ(path.model.minRttMs(), 100u);
  // 100000 bytes per 100 ms round = 1000 bytes/ms (integer rounding may lose a little).
  EXPECT_NEAR(static_cast<double>(path.model.maxBandwidth()), 1000.0, 20.0);
  EXPECT_NEAR(static_cast<double>(path.model.bandwidthDelayProduct()), 100000.0, 2000.0);
}

TEST(BbrModelTest, StartupLastsWhileBandwidthGrowsThenDrainsAndProbes) {
  PathSimulation path;
  uint32_t flight = 10 * kMss;
  for (int i = 0; i < 6; ++i, flight *= 2) {
    path.round(100, flight);
    EXPECT_EQ(path.model.phase(), BbrModel::Phase::kStartup) << "round " << i;
  }
  // Startup never holds lwIP below 2.89 x BDP, even after lwIP's loss cut.
  EXPECT_GE(path.model.congestionWindow(kMss, kMss),
            static_cast<uint32_t>(2.8 * static_cast<double>(path.model.bandwidthDelayProduct())));
  // The bottleneck: the delivery rate stops growing; three rounds later startup ends.
  const uint32_t bottleneckFlight = flight / 2;
  for (int i = 0; i < 4; ++i) path.round(100, bottleneckFlight);
  EXPECT_NE(path.model.phase(), BbrModel::Phase::kStartup);
  // Drain holds one BDP until the flight fits it; then probe-bandwidth holds two.
  if (path.model.phase() == BbrModel::Phase::kDrain) {
    EXPECT_NEAR(path.model.congestionWindow(kMss, kMss), path.model.bandwidthDelayProduct(), 1.0);
  }
  path.round(100, static_cast<uint32_t>(path.model.bandwidthDelayProduct() / 2));
  EXPECT_EQ(path.model.phase(), BbrModel::Phase::kProbeBandwidth);
  EXPECT_NEAR(path.model.congestionWindow(kMss, kMss), 2.0 * path.model.bandwidthDelayProduct(), 2.0);
}

TEST(BbrModelTest, LossDoesNotCutTheWindowBelowTheModel) {
  PathSimulation path;
  for (int i = 0; i < 8; ++i) path.round(100, 100000);
  ASSERT_EQ(path.model.phase(), BbrModel::Phase::kProbeBandwidth);
  const uint64_t bdp = path.model.bandwidthDelayProduct();
  // lwIP cut cwnd to a tenth (recovery) or to one segment (timeout): the model's window stands.
  path.round(100, 100000, /*loss=*/true);
  EXPECT_GE(path.model.congestionWindow(10000, kMss), bdp);
  EXPECT_GE(path.model.congestionWindow(kMss, kMss), bdp);
}

TEST(BbrModelTest, RoundsInRecoveryGiveNoRttSample) {
  PathSimulation path;
  for (int i = 0; i < 3; ++i) path.round(100, 100000);
  ASSERT_EQ(path.model.minRttMs(), 100u);
  // A recovering round looks shorter (a resent byte's ACK) but is no RTT sample.
  path.round(40, 100000, /*loss=*/true);
  EXPECT_EQ(path.model.minRttMs(), 100u);
  // The model's round that began in the recovering one carries its mark; the next clean one counts.
  path.round(40, 100000);
  path.round(40, 100000);
  EXPECT_EQ(path.model.minRttMs(), 40u);
}

TEST(BbrModelTest, BandwidthFilterForgetsAfterTenRoundsAndMinRttAfterTenSeconds) {
  PathSimulation path;
  for (int i = 0; i < 4; ++i) path.round(50, 200000);
  const uint64_t fast = path.model.maxBandwidth();
  // The path slows to a quarter, with a longer RTT: the old maximum lasts 10 rounds, then goes (one more
  // round for the one that straddles the change).
  for (unsigned i = 0; i < BbrModel::kBandwidthWindowRounds - 1; ++i) path.round(100, 100000);
  EXPECT_EQ(path.model.maxBandwidth(), fast);
  for (int i = 0; i < 3; ++i) path.round(100, 100000);
  EXPECT_LT(path.model.maxBandwidth(), fast / 2);
  EXPECT_EQ(path.model.minRttMs(), 50u);
  while (path.nowMs() < 1000 + 200 + BbrModel::kMinRttWindowMs + 200) path.round(100, 100000);
  EXPECT_EQ(path.model.minRttMs(), 100u);
}

}  // namespace
}  // namespace nefia::forwarder
