// BBR-style path model of one lwIP connection (delivery rate and minimum RTT per round trip) and the
// congestion window it implies: losses never cut it below the bandwidth-delay product (lwip_patches/0009).
#pragma once

#include <array>
#include <cstdint>

namespace nefia::forwarder {

// What lwIP tells the model on every ACK (sequence numbers, bytes, milliseconds of sys_now).
struct AckSample {
  uint32_t nowMs;
  uint32_t deliveredBytes;  // newly delivered: cumulatively acknowledged or reported in a SACK block
  uint32_t sndUna;          // lwIP's lastack after the ACK
  uint32_t sndNxt;
  bool lossRecovery;        // fast recovery or a timeout's retransmission is under way
  uint32_t sackedInFlight = 0;     // bytes above sndUna the peer reported in SACK blocks (out of the network)
  uint32_t deliveredAboveUna = 0;  // the highest SACKed sequence minus sndUna (0: nothing SACKed above it)
  uint32_t cwndBytes = 0;          // the congestion window in force before this ACK (0: unknown)
};

class BbrModel {
 public:
  enum class Phase { kStartup, kDrain, kProbeBandwidth };

  // Feeds one ACK. A round trip ends when data sent after the previous round's end is delivered
  // (acknowledged, or reported in a SACK block: a hole waiting for its resend does not stretch the round);
  // it yields one delivery-rate sample (bytes delivered in it, SACKed ones included, / its duration) and one
  // RTT sample (its duration; none while recovering, the marked byte may have been resent).
  void onAck(const AckSample& ack);
  // The congestion window for lwIP's own value after this ACK (lwIP's slow start, or its cut for a loss or
  // a timeout): unchanged until the model has a sample; startup keeps lwIP's growth but never less than
  // kStartupGain x BDP; drain holds one BDP; probe-bandwidth holds kCwndGain x BDP. Never below 4 segments.
  uint32_t congestionWindow(uint32_t lwipCwnd, uint32_t mss) const;

  // The pacing rate's gain over maxBandwidth(): kStartupGain in startup, its inverse in drain, then the
  // probe-bandwidth cycle (1.25, 0.75, then 1 for six round trips of minRttMs each).
  double pacingGain() const;
  // Bytes per millisecond the connection may send at (0: no model yet, do not pace).
  uint64_t pacingRate() const;

  // Only paths of kMinModelRttMs or more: below it lwIP's millisecond clock rounds the RTT down by up to a
  // third and more, so kCwndGain x BDP would fall below the real BDP (the 0 ms veth path measured 1-2 ms
  // under load, and its download lost ~25 %); lwIP's own congestion control keeps such paths.
  bool hasModel() const { return minRttMs_ >= kMinModelRttMs && maxBandwidth() > 0; }
  // Bytes per millisecond: the largest delivery-rate sample of the last kBandwidthWindowRounds rounds.
  uint64_t maxBandwidth() const;
  uint32_t minRttMs() const { return minRttMs_; }
  uint64_t bandwidthDelayProduct() const { return maxBandwidth() * minRttMs_; }
  Phase phase() const { return phase_; }
  uint64_t rounds() const { return rounds_; }
  uint64_t deliveredBytes() const { return delivered_; }

  static constexpr unsigned kBandwidthWindowRounds = 10;
  static constexpr uint32_t kMinRttWindowMs = 10000;
  static constexpr uint32_t kMinModelRttMs = 5;
  // Startup ends when the bandwidth grew by less than 25 % in this many consecutive rounds that were not
  // application-limited (the flight stayed below half the window all round: an SSH handshake or an
  // interactive session says nothing about the path, and a transfer that follows it must start fast).
  static constexpr unsigned kFullBandwidthRounds = 3;
  static constexpr double kStartupGain = 2.89;  // 2/ln 2, BBR's startup gain
  static constexpr double kCwndGain = 2.0;
  static constexpr std::array<double, 8> kProbeGains{1.25, 0.75, 1, 1, 1, 1, 1, 1};

 private:
  void endRound(const AckSample& ack);
  void updatePhase(const AckSample& ack);

  std::array<uint64_t, kBandwidthWindowRounds> bandwidthSamples_{};
  uint64_t rounds_ = 0;
  bool roundOpen_ = false;
  bool lossInRound_ = false;
  uint32_t maxFlightInRound_ = 0;
  uint32_t maxCwndInRound_ = 0;
  uint32_t roundEndSeq_ = 0;
  uint32_t roundStartMs_ = 0;
  uint64_t delivered_ = 0;
  uint64_t deliveredAtRoundStart_ = 0;
  uint32_t minRttMs_ = 0;
  uint32_t minRttStampMs_ = 0;
  Phase phase_ = Phase::kStartup;
  uint64_t fullBandwidth_ = 0;
  unsigned roundsWithoutGrowth_ = 0;
  uint32_t inFlight_ = 0;
  unsigned cycleIndex_ = 0;
  uint32_t cycleStartMs_ = 0;
};

}  // namespace nefia::forwarder
