// Unit tests for a retransmission timeout in the middle of SACK recovery (lwip_patches/0003 and 0007): the
// timeout must leave lwIP's send queue in sequence order, or the download can stall for good (seen in e2e).
#include <sstream>
#include <string>

#include "tests/workers/forwarder/loss_recovery_fixture.h"

namespace nefia::forwarder {
namespace {

class LossRecoveryTimeoutTest : public LossRecoveryTest {
 protected:
  // What lwIP's slow timer does when the retransmission timer expires, without waiting for it.
  void expireRetransmissionTimer() {
    struct tcp_pcb* pcb = connection();
    ASSERT_NE(pcb, nullptr);
    ASSERT_GE(pcb->rtime, 0) << "the retransmission timer is not running";
    pcb->rtime = pcb->rto;
    tcp_slowtmr();
  }

  // Sequence numbers (relative to lastack, in segments) of a queue, for failure messages.
  std::string describe(const struct tcp_seg* seg) {
    const struct tcp_pcb* pcb = connection();
    std::ostringstream out;
    for (int shown = 0; seg != nullptr && shown < 40; seg = seg->next, ++shown) {
      out << ' ' << static_cast<int32_t>(lwip_ntohl(seg->tcphdr->seqno) - pcb->lastack) / static_cast<int32_t>(kMss);
    }
    return out.str();
  }

  static bool inSequenceOrder(const struct tcp_seg* seg) {
    for (; seg != nullptr && seg->next != nullptr; seg = seg->next) {
      if (!TCP_SEQ_LT(lwip_ntohl(seg->tcphdr->seqno), lwip_ntohl(seg->next->tcphdr->seqno))) return false;
    }
    return true;
  }
};

// 1 is lost; 2 and 3 arrive, then the last segment of the window: the third duplicate ACK's SACK blocks make
// every segment between 4 and the last one a hole. Fast retransmit resends 1 and the holes that fit in the
// reduced window; the farthest holes wait on the unsent queue while the SACKed last segment sits on the unacked
// one. Then the path goes quiet (the resends and the operator's duplicate ACKs are lost, say while the tunnel
// restarts): the retransmission timer fires. Stock lwIP then appends the unsent queue to the unacked one, which
// puts the SACKed last segment before the waiting holes. When the operator's next ACK covers everything up to
// those holes, the first segment lwIP has left to send lies beyond its congestion window, nothing is in flight
// and the retransmission timer is off: the download stopped forever.
TEST_F(LossRecoveryTimeoutTest, ATimeoutWhileHolesWaitKeepsTheQueueInOrderAndTheDownloadCompletes) {
  const auto window = openWithFlight(true, kWindowSegments);
  ASSERT_GE(window.size(), kWindowSegments) << "slow start did not grow the window";
  const std::size_t last = window.size() - 1;
  arrive(window[1]);
  arrive(window[2]);
  const auto fast = arrive(window[last]);
  ASSERT_FALSE(fast.resent.empty()) << "fast retransmit did not begin";
  ASSERT_EQ(fast.resent.front().sequence, window[0].sequence);
  // The holes fast recovery could not send yet (beyond the reduced window): the operator never gets them.
  std::vector<bool> waiting(window.size(), true);
  for (const auto& resend : fast.resent) {
    for (std::size_t i = 0; i < window.size(); ++i) {
      if (window[i].sequence == resend.sequence) waiting[i] = false;
    }
  }
  std::size_t firstWaiting = 3;
  while (firstWaiting < last && !waiting[firstWaiting]) ++firstWaiting;
  ASSERT_LT(firstWaiting + 1, last) << "no two holes wait beyond the window: the scenario needs a larger flight";
  // Everything else of the window did reach the operator (late), but its duplicate ACKs and all resends were lost.
  for (std::size_t i = 3; i < firstWaiting; ++i) receiver_->receive(window[i].sequence, static_cast<uint32_t>(window[i].data.size()));

  expireRetransmissionTimer();
  ASSERT_NE(connection(), nullptr);
  EXPECT_TRUE(connection()->flags & TF_RTO) << "the timer did not start timeout recovery";
  EXPECT_TRUE(inSequenceOrder(connection()->unsent)) << "unsent queue after the timeout, in segments from lastack:"
                                                     << describe(connection()->unsent);

  // From here on nothing is lost: every segment the agent sends arrives and is acknowledged, and only ACKs drive
  // lwIP (no more timeouts). The download must reach the end of the stream.
  std::vector<ParsedTcp> inFlight;
  auto take = [&](AgentAnswer answer) {
    inFlight.insert(inFlight.end(), answer.newData.begin(), answer.newData.end());
    inFlight.insert(inFlight.end(), answer.resent.begin(), answer.resent.end());
  };
  take(agentAnswer());
  for (int delivered = 0; !inFlight.empty() && delivered < 2000; ++delivered) {
    const ParsedTcp segment = inFlight.front();
    inFlight.erase(inFlight.begin());
    take(arrive(segment));
  }
  const struct tcp_pcb* pcb = connection();
  ASSERT_NE(pcb, nullptr) << "the connection is gone";
  EXPECT_EQ(receiver_->next(), streamEnd_)
      << "the download stopped " << (streamEnd_ - receiver_->next()) << " bytes before its end with nothing in flight;"
      << " cwnd " << pcb->cwnd / kMss << " segments, retransmission timer " << (pcb->rtime < 0 ? "off" : "on")
      << ", unacked:" << describe(pcb->unacked) << ", unsent:" << describe(pcb->unsent);
}

}  // namespace
}  // namespace nefia::forwarder
