// BBR-style path model: per-round delivery rate (windowed max over 10 rounds), minimum RTT (windowed min over
// 10 s), startup/drain/probe-bandwidth phases, and the congestion window they imply.
#include "workers/forwarder/bbr_model.h"

#include <algorithm>

namespace nefia::forwarder {
namespace {

bool sequenceAfter(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

}  // namespace

void BbrModel::onAck(const AckSample& ack) {
  delivered_ += ack.deliveredBytes;
  inFlight_ = ack.sndNxt - ack.sndUna - std::min(ack.sackedInFlight, ack.sndNxt - ack.sndUna);
  if (ack.lossRecovery) lossInRound_ = true;
  maxFlightInRound_ = std::max(maxFlightInRound_, inFlight_);
  maxCwndInRound_ = std::max(maxCwndInRound_, ack.cwndBytes);
  const uint32_t highestDelivered = ack.sndUna + ack.deliveredAboveUna;
  if (roundOpen_ && ack.deliveredBytes > 0 && sequenceAfter(highestDelivered, roundEndSeq_)) endRound(ack);
  if (!roundOpen_) {
    roundOpen_ = true;
    lossInRound_ = ack.lossRecovery;
    maxFlightInRound_ = inFlight_;
    maxCwndInRound_ = ack.cwndBytes;
    roundEndSeq_ = ack.sndNxt;
    roundStartMs_ = ack.nowMs;
    deliveredAtRoundStart_ = delivered_;
  }
  updatePhase(ack);
}

void BbrModel::endRound(const AckSample& ack) {
  roundOpen_ = false;
  const uint32_t elapsedMs = ack.nowMs - roundStartMs_;
  // Under a millisecond (a local path) gives no sample: the model stays out of the way there.
  if (elapsedMs == 0) return;
  if (!lossInRound_ && (minRttMs_ == 0 || elapsedMs <= minRttMs_ || ack.nowMs - minRttStampMs_ > kMinRttWindowMs)) {
    minRttMs_ = elapsedMs;
    minRttStampMs_ = ack.nowMs;
  }
  bandwidthSamples_[rounds_ % kBandwidthWindowRounds] = (delivered_ - deliveredAtRoundStart_) / elapsedMs;
  ++rounds_;
  const bool applicationLimited = maxFlightInRound_ < maxCwndInRound_ / 2;
  if (phase_ == Phase::kStartup && !applicationLimited) {
    const uint64_t bandwidth = maxBandwidth();
    if (bandwidth >= fullBandwidth_ + fullBandwidth_ / 4) {
      fullBandwidth_ = bandwidth;
      roundsWithoutGrowth_ = 0;
    } else if (++roundsWithoutGrowth_ >= kFullBandwidthRounds) {
      phase_ = Phase::kDrain;
    }
  }
}

void BbrModel::updatePhase(const AckSample& ack) {
  if (phase_ == Phase::kDrain && hasModel() && inFlight_ <= bandwidthDelayProduct()) {
    phase_ = Phase::kProbeBandwidth;
    cycleIndex_ = 2;  // start in a gain-1 round trip: the queue has just been drained
    cycleStartMs_ = ack.nowMs;
  }
  if (phase_ == Phase::kProbeBandwidth && ack.nowMs - cycleStartMs_ >= minRttMs_) {
    cycleIndex_ = (cycleIndex_ + 1) % kProbeGains.size();
    cycleStartMs_ = ack.nowMs;
  }
}

double BbrModel::pacingGain() const {
  switch (phase_) {
    case Phase::kStartup:
      return kStartupGain;
    case Phase::kDrain:
      return 1.0 / kStartupGain;
    case Phase::kProbeBandwidth:
      break;
  }
  return kProbeGains[cycleIndex_];
}

uint64_t BbrModel::pacingRate() const {
  if (!hasModel()) return 0;
  return std::max<uint64_t>(1, static_cast<uint64_t>(pacingGain() * static_cast<double>(maxBandwidth())));
}

uint64_t BbrModel::maxBandwidth() const {
  return *std::max_element(bandwidthSamples_.begin(), bandwidthSamples_.end());
}

uint32_t BbrModel::congestionWindow(uint32_t lwipCwnd, uint32_t mss) const {
  if (!hasModel()) return lwipCwnd;
  const uint64_t bdp = bandwidthDelayProduct();
  uint64_t cwnd = 0;
  switch (phase_) {
    case Phase::kStartup:
      cwnd = std::max<uint64_t>(lwipCwnd, static_cast<uint64_t>(kStartupGain * static_cast<double>(bdp)));
      break;
    case Phase::kDrain:
      cwnd = bdp;
      break;
    case Phase::kProbeBandwidth:
      cwnd = static_cast<uint64_t>(kCwndGain * static_cast<double>(bdp));
      break;
  }
  cwnd = std::max<uint64_t>(cwnd, 4ull * mss);
  return static_cast<uint32_t>(std::min<uint64_t>(cwnd, UINT32_MAX));
}

}  // namespace nefia::forwarder
