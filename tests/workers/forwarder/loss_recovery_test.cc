// Unit tests for our lwIP loss-recovery patches (workers/forwarder/lwip_patches/0001-0006, see its README.md):
// the operator loses segments of a download window and acknowledges like a Linux receiver (SACK blocks, a
// window that grows between duplicate ACKs). Every retransmission asserted here must come from ACKs alone:
// no test waits for lwIP's retransmission timer, and each checks that no timeout recovery began.
#include <cerrno>
#include <deque>
#include <string>

#include "tests/workers/forwarder/loss_recovery_fixture.h"
#include "workers/forwarder/buffer_tuning.h"
#include "workers/forwarder/constants.h"

namespace nefia::forwarder {
namespace {

using Positions = std::vector<std::size_t>;

// Names below are 1-based positions in the loss window, as in "segment 2 is lost".
TEST_F(LossRecoveryTest, ThreeSackDuplicateAcksWithAGrowingWindowResendEveryHoleOnce) {
  const auto window = openWithFlight(true, kWindowSegments);
  ASSERT_GE(window.size(), kWindowSegments) << "slow start did not grow the window";
  arrive(window[0]);
  // 2 lost; 3 and 4 arrive.
  EXPECT_TRUE(arrive(window[2]).resent.empty());
  EXPECT_TRUE(arrive(window[3]).resent.empty()) << "two duplicate ACKs are no loss signal yet";
  // 5 and 6 lost; 7 arrives: the third duplicate ACK, whose SACK blocks show three holes below 7.
  ASSERT_NE(connection(), nullptr);
  const tcpwnd_size_t windowBeforeLoss = std::min(connection()->cwnd, connection()->snd_wnd);
  const auto answer = arrive(window[6]);
  EXPECT_EQ(positions(window, answer.resent), (Positions{2, 5, 6}))
      << "fast retransmit must resend segment 2 and the other holes below the highest SACKed byte";
  ASSERT_NE(connection(), nullptr);
  EXPECT_EQ(connection()->ssthresh, windowBeforeLoss / 10 * 7) << "a loss lowers ssthresh to 0.7 of the window (CUBIC)";
  // The rest of the window arrives: more duplicate ACKs, which must not resend anything again.
  for (std::size_t i = 7; i < window.size(); ++i) EXPECT_TRUE(arrive(window[i]).resent.empty()) << "segment " << i + 1;
  for (std::size_t i = 0; i < window.size(); ++i) {
    const bool hole = i == 1 || i == 4 || i == 5;
    EXPECT_EQ(timesSent(window[i]), hole ? 2 : 1) << "segment " << i + 1;
  }
  expectNoTimeoutRecovery();
}

// lwip_patches/0012: segment 1 and its fast retransmission are both lost. The new data sent after the resend
// arrives; once more than three segments of it are SACKed, the resend counts as lost and goes again, without
// waiting for the retransmission timeout (which would resend the whole window).
TEST_F(LossRecoveryTest, ALostResendGoesAgainWhenLaterDataIsSacked) {
  const auto window = openWithFlight(true, kWindowSegments);
  ASSERT_GE(window.size(), kWindowSegments) << "slow start did not grow the window";
  std::vector<ParsedTcp> sentBefore;  // new data sent before the fast retransmission, in the order sent
  std::vector<ParsedTcp> sentAfter;   // ... and after it (the resend leads its tcp_output call)
  for (std::size_t i = 1; i < window.size(); ++i) {
    const auto answer = arrive(window[i]);
    if (!answer.resent.empty()) {
      ASSERT_EQ(positions(window, answer.resent), (Positions{1}));
    }
    auto& into = (timesSent(window[0]) == 2) ? sentAfter : sentBefore;
    into.insert(into.end(), answer.newData.begin(), answer.newData.end());
  }
  ASSERT_EQ(timesSent(window[0]), 2) << "fast retransmit did not resend segment 1";
  // The resend is lost. What was sent before it arrives, then what was sent after it, one by one.
  for (const auto& segment : sentBefore) ASSERT_TRUE(arrive(segment).resent.empty());
  std::vector<ParsedTcp> secondResend;
  std::size_t deliveredAfter = 0;
  for (std::size_t i = 0; i < sentAfter.size() && secondResend.empty(); ++i) {
    const auto answer = arrive(sentAfter[i]);
    sentAfter.insert(sentAfter.end(), answer.newData.begin(), answer.newData.end());
    secondResend = answer.resent;
    ++deliveredAfter;
  }
  ASSERT_EQ(positions(window, secondResend), (Positions{1})) << "the lost resend did not go again";
  EXPECT_GT(deliveredAfter, 3u) << "resent again before more than three later segments were SACKed";
  arrive(secondResend[0]);
  EXPECT_EQ(connection()->lastack, receiver_->next()) << "the second resend filled the hole";
  expectNoTimeoutRecovery();
}

TEST_F(LossRecoveryTest, PartialAckKeepsRecoveryAndNewDataFlowsAfterTheFullAck) {
  const auto window = openWithFlight(true, kWindowSegments);
  ASSERT_GE(window.size(), kWindowSegments) << "slow start did not grow the window";
  std::vector<ParsedTcp> newData;  // sent beyond the window, not yet arrived, in the order sent
  auto keep = [&](const AgentAnswer& answer) { newData.insert(newData.end(), answer.newData.begin(), answer.newData.end()); };
  keep(arrive(window[0]));
  keep(arrive(window[2]));
  keep(arrive(window[3]));
  // What was sent so far precedes the retransmissions on the wire; it arrives before them.
  const std::vector<ParsedTcp> sentBeforeRecovery = std::exchange(newData, {});
  const auto recovery = arrive(window[6]);
  keep(recovery);
  ASSERT_EQ(positions(window, recovery.resent), (Positions{2, 5, 6})) << "recovery did not begin";
  for (std::size_t i = 7; i < window.size(); ++i) keep(arrive(window[i]));
  for (const auto& segment : sentBeforeRecovery) {
    const auto answer = arrive(segment);
    EXPECT_TRUE(answer.resent.empty());
    keep(answer);
  }
  std::vector<ParsedTcp> pending = std::exchange(newData, {});

  // Resent 2 arrives: the ACK covers 4, a partial ACK (5 and 6 are still missing and already resent).
  auto answer = arrive(recovery.resent[0]);
  EXPECT_TRUE(answer.resent.empty()) << "the partial ACK resent " << ::testing::PrintToString(positions(window, answer.resent));
  keep(answer);
  // The resends of 5 and 6 are delayed behind new data: duplicate ACKs of 4 with SACK blocks follow. A sender
  // that left recovery on the partial ACK would fast-retransmit 5 a second time here.
  pending.insert(pending.end(), newData.begin(), newData.end());
  newData.clear();
  ASSERT_GE(pending.size(), 3u) << "too little new data in flight for three duplicate ACKs";
  // Three of them: data sent more than three segments after a resend arriving before it shows the resend
  // lost (lwip_patches/0012); the rest arrives after the resends.
  const std::vector<ParsedTcp> later(pending.begin() + 3, pending.end());
  pending.resize(3);
  for (const auto& segment : pending) {
    answer = arrive(segment);
    EXPECT_TRUE(answer.resent.empty()) << "duplicate ACK after the partial ACK resent "
                                       << ::testing::PrintToString(positions(window, answer.resent));
    keep(answer);
  }
  answer = arrive(recovery.resent[1]);
  EXPECT_TRUE(answer.resent.empty()) << "the second partial ACK (through 5) resent "
                                     << ::testing::PrintToString(positions(window, answer.resent));
  keep(answer);
  // Resent 6 arrives: the full ACK ends recovery; the rest of the stream flows without another resend.
  keep(arrive(recovery.resent[2]));
  expectNoTimeoutRecovery();
  newData.insert(newData.begin(), later.begin(), later.end());
  std::size_t delivered = 0;
  for (int idle = 0; idle < 20 && receiver_->next() != streamEnd_;) {
    const auto more = delivered < newData.size() ? arrive(newData[delivered++]) : agentAnswer();
    EXPECT_TRUE(more.resent.empty()) << "resent after recovery ended";
    idle = more.newData.empty() && delivered == newData.size() ? idle + 1 : 0;
    keep(more);
  }
  EXPECT_EQ(receiver_->next(), streamEnd_) << "the stream stopped " << (streamEnd_ - receiver_->next())
                                           << " bytes before its end";
  EXPECT_GE(delivered, 3u) << "new data must flow after the full ACK";
  EXPECT_EQ(totalResends(), 3) << "one resend per lost segment";
}

TEST_F(LossRecoveryTest, WithoutSackAPartialAckResendsTheNextHoleAtOnce) {
  const auto window = openWithFlight(false, kWindowSegments);
  ASSERT_GE(window.size(), kWindowSegments) << "slow start did not grow the window";
  arrive(window[0]);
  // 2 and 5 lost; 3, 4 and 6 arrive: three duplicate ACKs with an unchanged window (no SACK to go by).
  arrive(window[2]);
  arrive(window[3]);
  const auto fast = arrive(window[5]);
  ASSERT_EQ(positions(window, fast.resent), (Positions{2})) << "fast retransmit of the first hole";
  for (std::size_t i = 6; i < window.size(); ++i) EXPECT_TRUE(arrive(window[i]).resent.empty()) << "segment " << i + 1;
  // Resent 2 arrives: the ACK covers 4 but not the data sent before recovery (a partial ACK).
  const auto partial = arrive(fast.resent[0]);
  EXPECT_EQ(positions(window, partial.resent), (Positions{5}))
      << "NewReno resends the first unacknowledged segment on a partial ACK, without waiting for a timeout";
  EXPECT_EQ(timesSent(window[4]), 2);
  expectNoTimeoutRecovery();
}

TEST_F(LossRecoveryTest, PartialAckWithNothingBeyondItResendsTwoSegmentsSoTheReceiverAcksAtOnce) {
  const auto window = openWithFlight(true, kWindowSegments);
  ASSERT_GE(window.size(), kWindowSegments) << "slow start did not grow the window";
  arrive(window[0]);
  // 2 lost, 3..9 arrive, and the whole tail from 10 on is lost: the third duplicate ACK resends 2 only
  // (nothing above 9 was SACKed, so 10.. are no known holes).
  std::vector<ParsedTcp> resent;
  for (std::size_t i = 2; i < 9; ++i) {
    const auto answer = arrive(window[i]);
    resent.insert(resent.end(), answer.resent.begin(), answer.resent.end());
  }
  ASSERT_EQ(positions(window, resent), (Positions{2})) << "recovery did not begin with segment 2";
  // Resent 2 arrives: a partial ACK through 9 that carries no SACK block, because the receiver holds nothing
  // beyond. Everything after 9 was sent before that resend, so on an in-order path it is lost. One resend
  // alone would sit in the receiver's delayed-ACK timer (40 ms on Linux) for every segment of the tail.
  const auto partial = arrive(resent[0]);
  EXPECT_EQ(positions(window, partial.resent), (Positions{10, 11}))
      << "a partial ACK with nothing beyond it must resend two segments";
  expectNoTimeoutRecovery();
}

TEST_F(LossRecoveryTest, TwoDuplicateAcksAloneResendNothing) {
  const auto window = openWithFlight(true, kWindowSegments);
  ASSERT_GE(window.size(), kWindowSegments) << "slow start did not grow the window";
  arrive(window[0]);
  // 2 and 4 lost; 3 and 5 arrive: two duplicate ACKs whose SACK blocks already show both holes.
  EXPECT_TRUE(arrive(window[2]).resent.empty());
  const auto second = arrive(window[4]);
  EXPECT_TRUE(second.resent.empty()) << "two duplicate ACKs resent "
                                     << ::testing::PrintToString(positions(window, second.resent));
  EXPECT_EQ(totalResends(), 0);
  // The third one is the loss signal (this also shows the test sees resends when there are any).
  const auto third = arrive(window[5]);
  EXPECT_EQ(positions(window, third.resent), (Positions{2, 4}));
  expectNoTimeoutRecovery();
}

// A resend is a segment moved from lwIP's unacked queue back to its unsent queue. When it is the last one there
// while later data is still unacked, new bytes from the SSH server or its FIN must not be appended to it: they
// would go out at the sequence numbers of data the operator already holds. The operator here rebuilds the
// stream from everything the agent sends and compares it with what the SSH server wrote.
class LossRecoveryStreamTest : public LossRecoveryTest {
 protected:
  // Slow start over this many segments, one ACK each, grows cwnd to about 48 segments.
  static constexpr std::size_t kSackWarmUpSegments = 45;
  // One write: this many full segments and a short tail, the segment that a burst will lose last...
  static constexpr std::size_t kFullSegmentsBeforeShort = 41;
  static constexpr std::size_t kShortSegmentBytes = 700;
  // ...sent before the next write, whose segments arrive and make the three duplicate ACKs.
  static constexpr std::size_t kSegmentsAfterShort = 3;
  static constexpr int kMaxDeliveries = 5000;

  void open(bool sack) {
    const uint32_t first = connectToLocalServer(sack);
    stream_.emplace(first);
    first_ = first;
  }

  // The SSH server writes the next `bytes` of its stream (a pattern that differs at every MSS-sized shift);
  // what its socket buffer cannot take yet follows in later feed() calls, and so does a requested close.
  void sshdWrites(std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) {
      const std::size_t at = written_.size();
      written_.push_back(static_cast<uint8_t>(at * 7 + (at >> 9) + (at >> 13)));
    }
    feed();
  }
  void sshdCloses() {
    closeRequested_ = true;
    feed();
  }
  void feed() {
    while (fed_ < written_.size()) {
      const ssize_t sent = ::send(sshd_, written_.data() + fed_, written_.size() - fed_, 0);
      if (sent < 0) {
        EXPECT_EQ(errno, EAGAIN) << "the SSH server's socket failed";
        break;
      }
      fed_ += static_cast<std::size_t>(sent);
    }
    if (closeRequested_ && !shutDown_ && fed_ == written_.size()) {
      EXPECT_EQ(::shutdown(sshd_, SHUT_WR), 0);
      shutDown_ = true;
    }
  }

  // Every data or FIN segment the agent sent since the last call, each added to the operator's stream.
  std::vector<ParsedTcp> sentByAgent() {
    std::vector<ParsedTcp> sent;
    for (auto& segment : collectTcp(port_)) {
      if (segment.data.empty() && !(segment.flags & kFin)) continue;
      EXPECT_EQ(stream_->add(segment), "") << "segment " << segment.sequence - first_ << "+" << segment.data.size()
                                           << ((segment.flags & kFin) ? " with FIN" : "");
      sent.push_back(std::move(segment));
    }
    return sent;
  }

  // The operator receives `segment` and acknowledges it (the FIN too once everything before it arrived);
  // returns what the agent sent in answer.
  std::vector<ParsedTcp> deliver(const ParsedTcp& segment) {
    const uint32_t length = static_cast<uint32_t>(segment.data.size());
    receiver_->receive(segment.sequence, length);
    if ((segment.flags & kFin) && receiver_->next() == segment.sequence + length) finAcknowledged_ = true;
    acknowledge(receiver_->next() + (finAcknowledged_ ? 1 : 0));
    return sentByAgent();
  }

  // Delivers `wire` in the order sent and everything the agent sends in answer (feeding the SSH server's
  // socket meanwhile), until nothing is in flight and the agent sends nothing more.
  void deliverAll(std::deque<ParsedTcp> wire) {
    for (int delivered = 0; delivered < kMaxDeliveries; ++delivered) {
      feed();
      for (int round = 0; round < 20 && wire.empty(); ++round) {
        for (auto& segment : sentByAgent()) wire.push_back(std::move(segment));
      }
      if (wire.empty()) return;
      for (auto& answer : deliver(wire.front())) wire.push_back(std::move(answer));
      wire.pop_front();
    }
    ADD_FAILURE() << "still sending after " << kMaxDeliveries << " ACKs";
  }

  // Connects and lets slow start open cwnd: the SSH server writes `segments` full segments, each acknowledged
  // alone (cwnd grows by one segment per ACK).
  void warmUp(bool sack, std::size_t segments) {
    ASSERT_NO_FATAL_FAILURE(open(sack));
    ASSERT_NO_FATAL_FAILURE(sshdWrites(segments * kMss));
    deliverAll({});
    ASSERT_EQ(receiver_->next(), first_ + written_.size()) << "the warm-up data did not arrive";
  }

  // The last segment on lwIP's unsent queue, or nullptr.
  const struct tcp_seg* lastUnsent() const {
    const struct tcp_seg* last = connection()->unsent;
    while (last != nullptr && last->next != nullptr) last = last->next;
    return last;
  }

  // After a SACK warm-up: one flight of kFullSegmentsBeforeShort full segments, the short segment, and
  // kSegmentsAfterShort more. A burst loses everything from segment 2 through the short one; 1 and the
  // segments after the short one arrive. The third duplicate ACK starts recovery, whose SACK blocks make
  // every lost segment a hole: the holes that fit the deflated window are resent, the short segment (the
  // last hole, beyond the window) waits on the unsent queue. Returns the resends in flight; asserts that the
  // short segment is the last one on the unsent queue and does not end the stream.
  std::deque<ParsedTcp> shortSegmentWaitsForItsResend() {
    const std::size_t flightBytes = (kFullSegmentsBeforeShort + kSegmentsAfterShort) * kMss + kShortSegmentBytes;
    EXPECT_GE(connection()->cwnd, flightBytes) << "slow start did not open cwnd for the whole flight";
    std::vector<ParsedTcp> flight;
    sshdWrites(kFullSegmentsBeforeShort * kMss + kShortSegmentBytes);
    const uint32_t shortEnd = first_ + static_cast<uint32_t>(written_.size());
    for (auto& segment : sentByAgent()) flight.push_back(std::move(segment));
    sshdWrites(kSegmentsAfterShort * kMss);
    for (auto& segment : sentByAgent()) flight.push_back(std::move(segment));
    EXPECT_EQ(connection()->unsent, nullptr) << "the flight was not sent at once";
    const auto shortSegment = std::find_if(flight.begin(), flight.end(), [&](const ParsedTcp& segment) {
      return segment.sequence + segment.data.size() == shortEnd;
    });
    EXPECT_EQ(flight.size(), kFullSegmentsBeforeShort + 1 + kSegmentsAfterShort);
    if (shortSegment == flight.end() || flight.end() - shortSegment != kSegmentsAfterShort + 1) {
      ADD_FAILURE() << "the flight does not end with the short segment and " << kSegmentsAfterShort << " more";
      return {};
    }
    EXPECT_EQ(shortSegment->data.size(), kShortSegmentBytes) << "the short segment got merged with the next write";
    const uint32_t shortSequence = shortSegment->sequence;

    deliver(flight[0]);
    std::deque<ParsedTcp> resends;
    for (auto after = shortSegment + 1; after != flight.end(); ++after) {
      for (auto& resend : deliver(*after)) resends.push_back(std::move(resend));
    }
    const struct tcp_seg* last = lastUnsent();
    if (last == nullptr || lwip_ntohl(last->tcphdr->seqno) != shortSequence) {
      ADD_FAILURE() << "the short segment is not last on the unsent queue; resent before the SSH server moved on: "
                    << resends.size();
      return {};
    }
    EXPECT_EQ(last->len, kShortSegmentBytes);
    EXPECT_NE(shortSequence + last->len, connection()->snd_lbb) << "later data must still be unacked";
    EXPECT_FALSE(resends.empty()) << "recovery resent no hole";
    expectNoTimeoutRecovery();
    return resends;
  }

  // What the operator's SSH client got: exactly the bytes the SSH server wrote, then the FIN.
  void expectTheWholeStreamAndFin() {
    const auto received = stream_->contiguous();
    const auto mismatch = std::mismatch(received.begin(), received.end(), written_.begin(), written_.end());
    EXPECT_TRUE(received.size() == written_.size() && mismatch.first == received.end())
        << "the operator holds " << received.size() << " contiguous bytes of the " << written_.size()
        << " written; the first wrong one at offset " << (mismatch.first - received.begin());
    ASSERT_TRUE(stream_->fin().has_value()) << "no FIN reached the operator";
    EXPECT_EQ(*stream_->fin(), written_.size()) << "the FIN must follow the last byte written";
    EXPECT_TRUE(finAcknowledged_);
    expectNoTimeoutRecovery();
  }

  std::optional<ReassembledStream> stream_;
  std::vector<uint8_t> written_;  // everything the SSH server wrote
  std::size_t fed_ = 0;           // how much of it its socket took
  bool closeRequested_ = false;
  bool shutDown_ = false;
  uint32_t first_ = 0;            // the sequence number of its first byte
  bool finAcknowledged_ = false;
};

TEST_F(LossRecoveryStreamTest, NewBytesWrittenWhileAShortSegmentWaitsForItsResendGoAfterTheStream) {
  ASSERT_NO_FATAL_FAILURE(warmUp(true, kSackWarmUpSegments));
  auto wire = shortSegmentWaitsForItsResend();
  ASSERT_FALSE(HasFailure()) << "the scenario did not happen";
  // More than the room left in the short segment's MSS, and not a multiple of the MSS.
  ASSERT_NO_FATAL_FAILURE(sshdWrites(2 * kMss + 300));
  ASSERT_NO_FATAL_FAILURE(sshdCloses());
  for (auto& segment : sentByAgent()) wire.push_back(std::move(segment));
  deliverAll(std::move(wire));
  expectTheWholeStreamAndFin();
}

TEST_F(LossRecoveryStreamTest, AFinWhileAShortSegmentWaitsForItsResendGoesAfterTheStream) {
  ASSERT_NO_FATAL_FAILURE(warmUp(true, kSackWarmUpSegments));
  auto wire = shortSegmentWaitsForItsResend();
  ASSERT_FALSE(HasFailure()) << "the scenario did not happen";
  ASSERT_NO_FATAL_FAILURE(sshdCloses());
  for (auto& segment : sentByAgent()) wire.push_back(std::move(segment));
  deliverAll(std::move(wire));
  expectTheWholeStreamAndFin();
}

// Without SACK only the first unacked segment is ever resent, and it always fits the window, so tcp_output
// sends it before the SSH server's next bytes are read. It is back on the unsent queue while the relay writes
// only inside lwIP's input processing: a partial ACK moves it there, then the sent callback hands the relay's
// waiting bytes to tcp_write. The relay waits with bytes only when the connection's (autotuned) send limit is
// reached, so here the memory budget keeps that limit at 1 MiB and the whole of it is in flight.
TEST_F(LossRecoveryStreamTest, WithoutSackBytesWrittenWhenAPartialAckMovesAShortSegmentBackGoAfterTheStream) {
  constexpr std::size_t kSendLimit = 1024 * 1024;
  // Everything of the budget but this connection's initial sizes and the growth to kSendLimit is taken.
  BufferBudget& budget = sharedBufferBudget();
  const std::size_t taken =
      budget.cap() - budget.used() - kInitialReceiveWindow - kInitialSendLimit - (kSendLimit - kInitialSendLimit);
  BufferTuner otherConnections(budget, {taken, taken});
  window_ = 0x4000;  // 2 MiB in the operator's scale-7 units: the send limit, not the window, is the limit
  // cwnd grows by one segment per ACK until it reaches ssthresh (lwIP starts it at TCP_SND_BUF).
  ASSERT_NO_FATAL_FAILURE(warmUp(false, kSendLimit / kMss + 10));
  ASSERT_GE(connection()->cwnd, kSendLimit) << "slow start did not open cwnd for the whole send limit";
  auto bytesInLwip = [&] { return static_cast<std::size_t>(connection()->snd_lbb - connection()->lastack); };
  // The relay reads kLocalReadChunk (not a multiple of the MSS) at a time, and cwnd sends each read at once:
  // every read ends in a short segment.
  ASSERT_NO_FATAL_FAILURE(sshdWrites(kSendLimit + 2 * kLocalReadChunk + 5000));
  std::vector<ParsedTcp> flight;
  for (int round = 0; round < 200; ++round) {
    feed();
    auto sent = sentByAgent();
    if (sent.empty() && bytesInLwip() == kSendLimit) break;
    flight.insert(flight.end(), sent.begin(), sent.end());
  }
  ASSERT_EQ(bytesInLwip(), kSendLimit) << "the connection's send limit did not fill";
  ASSERT_EQ(connection()->unsent, nullptr) << "the send buffer is not all in flight";
  // The second segment lost is short and far enough behind the first for its partial ACK to free more than
  // the relay's smallest write (32 KiB) while the relay waits with data.
  constexpr std::size_t kMinGap = 25;
  const auto shortSegment = std::find_if(flight.begin() + kMinGap, flight.end() - 3, [](const ParsedTcp& segment) {
    return segment.data.size() < kMss;
  });
  ASSERT_NE(shortSegment, flight.end() - 3) << "no short segment in the flight";
  const std::size_t shortIndex = static_cast<std::size_t>(shortSegment - flight.begin());
  const ParsedTcp lostShort = *shortSegment;

  // 1 and the short segment are lost; everything else arrives: the third duplicate ACK resends 1, and more
  // duplicate ACKs resend nothing (the send buffer being full, no new data goes either).
  std::vector<ParsedTcp> resends;
  for (std::size_t i = 1; i < flight.size(); ++i) {
    if (i == shortIndex) continue;
    for (auto& answer : deliver(flight[i])) resends.push_back(std::move(answer));
  }
  ASSERT_EQ(resends.size(), 1u) << "fast retransmit must resend the first segment alone";
  ASSERT_EQ(resends[0].sequence, flight[0].sequence);
  ASSERT_EQ(connection()->unsent, nullptr);
  const uint32_t queuedBefore = connection()->snd_lbb;
  // Resent 1 arrives: a partial ACK up to the short segment. NewReno moves it to the unsent queue, the sent
  // callback lets the relay write, and tcp_output then sends the resend.
  auto answer = deliver(resends[0]);
  ASSERT_TRUE(std::any_of(answer.begin(), answer.end(),
                          [&](const ParsedTcp& segment) { return segment.sequence == lostShort.sequence; }))
      << "the partial ACK did not resend the short segment";
  ASSERT_NE(connection()->snd_lbb, queuedBefore) << "the relay wrote nothing while the short segment was unsent";
  expectNoTimeoutRecovery();

  ASSERT_NO_FATAL_FAILURE(sshdCloses());
  deliverAll({answer.begin(), answer.end()});
  expectTheWholeStreamAndFin();
}

}  // namespace
}  // namespace nefia::forwarder
