// Unit tests for the congestion-control hooks (lwip_patches/0009 and 0010, congestion_hook.cc) driving lwIP
// through the forwarder: a loss does not cut cwnd below the model's window, and tcp_output is paced.
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

#include "tests/workers/forwarder/loss_recovery_fixture.h"
#include "workers/forwarder/congestion_hook.h"
// lwIP's headers define htonl() and friends as macros: they come after every system header.
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

namespace nefia::forwarder {
namespace {

std::size_t bytesIn(const std::vector<ParsedTcp>& segments) {
  std::size_t bytes = 0;
  for (const auto& segment : segments) bytes += segment.data.size();
  return bytes;
}

class CongestionModelTest : public LossRecoveryTest {
 protected:
  void TearDown() override {
    if (connection() != nullptr) attachCongestionControl(connection(), nullptr);
    LossRecoveryTest::TearDown();
  }
  CongestionControl control_;
};

// Slow start through the forwarder with rounds of >= 6 ms (the model needs kMinModelRttMs),
// then the first segment of a flight is lost: lwIP's fast retransmit and the end of recovery would leave
// cwnd at 0.7 of what it was; the model (still in startup) keeps at least the window it had.
TEST_F(CongestionModelTest, LossAfterTheModelHasSamplesDoesNotCutCwnd) {
  connectToLocalServer(true);
  ASSERT_NE(connection(), nullptr);
  attachCongestionControl(connection(), &control_);
  std::vector<uint8_t> stream(kStreamBytes, 0x5a);
  ASSERT_EQ(::send(sshd_, stream.data(), stream.size(), 0), static_cast<ssize_t>(stream.size()));
  std::vector<ParsedTcp> flight;
  for (int round = 0; round < 20 && flight.empty(); ++round) flight = agentAnswer().newData;
  for (int round = 0; round < 8 && !(control_.model.hasModel() && flight.size() >= 8); ++round) {
    ::usleep(6000);
    std::vector<ParsedTcp> next;
    for (const auto& segment : flight) {
      const auto answer = arrive(segment);
      next.insert(next.end(), answer.newData.begin(), answer.newData.end());
    }
    flight = std::move(next);
  }
  ASSERT_TRUE(control_.model.hasModel()) << "no delivery-rate sample in 8 rounds";
  ASSERT_GE(flight.size(), 8u);
  const uint32_t cwndBefore = connection()->cwnd;

  ::usleep(6000);
  std::vector<ParsedTcp> sentDuringLoss;
  for (std::size_t i = 1; i < flight.size(); ++i) {
    const auto answer = arrive(flight[i]);
    sentDuringLoss.insert(sentDuringLoss.end(), answer.newData.begin(), answer.newData.end());
  }
  ASSERT_TRUE(connection()->flags & TF_INFR) << "the duplicate ACKs did not start fast recovery";
  // The SACKed segments left the network: cwnd holds them on top of the model's window (lwIP counts its
  // window from lastack, which the hole holds back).
  EXPECT_EQ(connection()->sacked_bytes, bytesIn({flight.begin() + 1, flight.end()}));
  EXPECT_GE(connection()->cwnd, connection()->sacked_bytes + control_.model.bandwidthDelayProduct());
  arrive(flight[0]);  // the resend arrives, then the new data sent meanwhile: recovery ends
  for (const auto& segment : sentDuringLoss) arrive(segment);
  EXPECT_FALSE(connection()->flags & TF_INFR);
  EXPECT_GE(connection()->cwnd, cwndBefore) << "the loss cut cwnd (lwIP alone leaves 0.7 of it)";
  EXPECT_GE(connection()->cwnd, control_.model.bandwidthDelayProduct());
  expectNoTimeoutRecovery();
}

// Counts the sent callbacks lwIP makes (forwarding each to the relay's own), by acknowledged length.
struct SentCallbackSpy {
  static err_t onSent(void* argument, struct tcp_pcb* pcb, u16_t length) {
    SentCallbackSpy* spy = active;
    ++(length == 0 ? spy->withoutBytes : spy->withBytes);
    return spy->relay(argument, pcb, length);
  }
  static inline SentCallbackSpy* active = nullptr;
  tcp_sent_fn relay = nullptr;
  int withoutBytes = 0;
  int withBytes = 0;
};

// lwip_patches/0011: an ACK that SACKs new data above a hole delivers its bytes to the model (once: the ACK
// that later covers them does not count them again), pcb->sacked_bytes holds them until then, and lwIP tells
// the relay through its sent callback (0 bytes) so it can refill lwIP's unsent queue while the hole waits.
TEST_F(CongestionModelTest, SackedBytesCountAsDeliveredOnceAndWakeTheRelay) {
  const std::vector<ParsedTcp> flight = openWithFlight(true, 8);
  ASSERT_GE(flight.size(), 8u);
  attachCongestionControl(connection(), &control_);
  SentCallbackSpy spy;
  spy.relay = connection()->sent;
  SentCallbackSpy::active = &spy;
  tcp_sent(connection(), &SentCallbackSpy::onSent);

  const std::size_t sacked = bytesIn({flight.begin() + 1, flight.end()});
  for (std::size_t i = 1; i < flight.size(); ++i) arrive(flight[i]);
  EXPECT_EQ(control_.model.deliveredBytes(), sacked);
  EXPECT_EQ(connection()->sacked_bytes, sacked);
  EXPECT_EQ(spy.withoutBytes, static_cast<int>(flight.size()) - 1) << "one wake-up per ACK that SACKed new data";
  EXPECT_EQ(spy.withBytes, 0);

  arrive(flight[0]);  // the hole is filled: the cumulative ACK covers the whole flight
  EXPECT_EQ(control_.model.deliveredBytes(), bytesIn(flight));
  EXPECT_EQ(connection()->sacked_bytes, 0u);
  EXPECT_EQ(spy.withBytes, 1);
  expectNoTimeoutRecovery();
  tcp_sent(connection(), spy.relay);
}

// A retransmission timeout forgets the SACK marks and resends everything (0007); the bytes SACKed before it
// still count as delivered only once when the resends are acknowledged.
TEST_F(CongestionModelTest, ATimeoutDoesNotCountSackedBytesTwice) {
  const std::vector<ParsedTcp> flight = openWithFlight(true, 8);
  ASSERT_GE(flight.size(), 8u);
  attachCongestionControl(connection(), &control_);
  std::size_t sentDuringLoss = 0;
  for (std::size_t i = 1; i < flight.size(); ++i) sentDuringLoss += bytesIn(arrive(flight[i]).newData);
  ASSERT_GT(connection()->sacked_bytes, 0u);

  tcp_rexmit_rto(connection());
  EXPECT_EQ(connection()->sacked_bytes, 0u) << "the timeout forgot the marks";
  const AgentAnswer resends = agentAnswer();
  ASSERT_FALSE(resends.resent.empty()) << "the timeout resent nothing";
  for (const auto& segment : resends.resent) arrive(segment);
  // Everything sent is acknowledged once: the flight and what went out while its first segment was missing.
  EXPECT_EQ(control_.model.deliveredBytes(), bytesIn(flight) + sentDuringLoss);
  EXPECT_EQ(connection()->sacked_bytes, 0u);
}

// A model that measured a constant 100 bytes/ms (so it left startup: gain 1 now) paces at that rate: of a
// 128 KiB write with cwnd and the peer's window open, one bucket (64 KiB) goes at once and the rest at the pacing rate from lwIP timeouts.
TEST_F(CongestionModelTest, TcpOutputSendsABurstThenAtThePacingRate) {
  uint32_t nowMs = 1000;
  uint32_t acked = 0;
  for (int i = 0; i < 30; ++i, nowMs += 10, acked += 1000) {
    control_.model.onAck({nowMs, i == 0 ? 0u : 1000u, acked, acked + 5000, false});
  }
  const uint64_t rate = control_.model.pacingRate();
  ASSERT_EQ(control_.model.phase(), BbrModel::Phase::kProbeBandwidth);
  ASSERT_GE(rate, 90u);
  ASSERT_LE(rate, 130u);

  connectToLocalServer(true);
  ASSERT_NE(connection(), nullptr);
  attachCongestionControl(connection(), &control_);
  connection()->cwnd = 1024 * 1024;  // only the pacer may hold data back
  std::vector<uint8_t> stream(kStreamBytes, 0x5a);
  ASSERT_EQ(::send(sshd_, stream.data(), stream.size(), 0), static_cast<ssize_t>(stream.size()));
  const uint32_t startMs = sys_now();
  std::size_t sent = 0;
  for (int round = 0; round < 10; ++round) sent += bytesIn(agentAnswer().newData);
  const std::size_t burst = TokenBucket::kBurstBytes;
  EXPECT_GE(sent, burst - kMss) << "the first bucket did not go at once";
  EXPECT_LE(sent, burst + rate * (sys_now() - startMs + 1)) << "tcp_output was not paced";
  EXPECT_TRUE(control_.wakeupPending) << "no timeout to send the rest";

  ::usleep(30000);
  for (int round = 0; round < 10; ++round) sent += bytesIn(agentAnswer().newData);
  const uint32_t elapsedMs = sys_now() - startMs;
  EXPECT_GT(sent, burst) << "the pacing timeout sent nothing";
  EXPECT_LE(sent, burst + rate * (elapsedMs + 1) + kMss);
}

}  // namespace
}  // namespace nefia::forwarder
