// LossRecoveryTest: a download through the forwarder whose operator loses chosen segments and acknowledges like
// a Linux receiver (SACK blocks, a window that grows between duplicate ACKs); shared by the loss-recovery tests.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "tests/workers/forwarder/forwarder_fixture.h"
#include "tests/workers/forwarder/operator_stream_model.h"
#include "tests/workers/forwarder/packet_builder.h"
#include "workers/forwarder/congestion_hook.h"
// lwIP's headers define htonl() and friends as macros: they come after every system header.
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

namespace nefia::forwarder {

using testing::kAck;
using testing::kMss;
using testing::OperatorReceiver;
using testing::ParsedTcp;
using testing::ReassembledStream;
using testing::sackOption;
using testing::tcpSegment;
using testing::TcpSegmentSpec;

// Enough for a warmed-up window of 24 segments plus the new data sent while it recovers.
constexpr std::size_t kStreamBytes = 128 * 1024;
// The loss window: slow start (per-segment ACKs) doubles lwIP's initial 3 segments to 24 in three rounds;
// that many duplicate ACKs inflate cwnd enough for new data to flow during recovery.
constexpr std::size_t kWindowSegments = 20;
// The operator's advertised window in its scale-7 units (1000 << 7 = 125 KiB): never the limit here.
constexpr uint16_t kOperatorWindow = 1000;
constexpr uint8_t kFin = testing::kFinFlag;
const std::vector<uint8_t> kSynOptionsWithoutSack{2, 4, kMss >> 8, kMss & 0xff, 1, 3, 3, 7};

// The data segments the agent sent in answer to one ACK, split into first transmissions and resends.
struct AgentAnswer {
  std::vector<ParsedTcp> newData;
  std::vector<ParsedTcp> resent;
};

class LossRecoveryTest : public testing::ForwarderFixture {
 protected:
  void TearDown() override {
    ForwarderFixture::TearDown();
    if (sshd_ >= 0) ::close(sshd_);
  }

  // Connects (offering SACK or not) with a socketpair as the SSH server's end; returns the agent's first
  // sequence number and starts the operator's receiver model there.
  uint32_t connectToLocalServer(bool sack) {
    sack_ = sack;
    int local[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, local), 0);
    sshd_ = local[0];
    broker_.answerWith = local[1];
    const uint32_t first = connect(port_, sack ? testing::kSynOptions : kSynOptionsWithoutSack);
    EXPECT_EQ(broker_.answerWith, -1) << "the broker was asked";
    // These tests cover lwIP's own loss recovery (lwip_patches/0001-0007) and count on its window cuts:
    // the path model (congestion_hook.h), which would get samples whenever the loaded machine's clock
    // moves between two ACKs, stays out (congestion_model_test.cc covers it).
    if (connection() != nullptr) attachCongestionControl(connection(), nullptr);
    receiver_.emplace(first);
    return first;
  }

  // Connects (offering SACK or not), lets the SSH server write kStreamBytes, and acknowledges every segment
  // in order until one flight holds at least `segments` segments; returns that flight, in sequence order.
  std::vector<ParsedTcp> openWithFlight(bool sack, std::size_t segments) {
    const uint32_t first = connectToLocalServer(sack);
    streamEnd_ = first + static_cast<uint32_t>(kStreamBytes);
    std::vector<uint8_t> stream(kStreamBytes);
    for (std::size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<uint8_t>(i * 7 + (i >> 9));
    EXPECT_EQ(::send(sshd_, stream.data(), stream.size(), 0), static_cast<ssize_t>(stream.size()));
    std::vector<ParsedTcp> flight;
    for (int round = 0; round < 20 && flight.empty(); ++round) flight = agentAnswer().newData;
    for (int round = 0; round < 8 && !flight.empty() && flight.size() < segments; ++round) {
      std::vector<ParsedTcp> next;
      for (const auto& segment : flight) {
        const auto answer = arrive(segment);
        EXPECT_TRUE(answer.resent.empty()) << "nothing was lost yet";
        next.insert(next.end(), answer.newData.begin(), answer.newData.end());
      }
      flight = std::move(next);
    }
    return flight;
  }

  // The operator receives `segment` and acknowledges it the way Linux does: cumulative ACK, SACK blocks when
  // negotiated, and (for SACK connections) a window one unit larger than in its previous ACK.
  AgentAnswer arrive(const ParsedTcp& segment) {
    receiver_->receive(segment.sequence, static_cast<uint32_t>(segment.data.size()));
    acknowledge(receiver_->next());
    return agentAnswer();
  }
  void acknowledge(uint32_t acknowledgement) {
    TcpSegmentSpec ack = fromClient(port_);
    ack.sequence = 1001;
    ack.acknowledgement = acknowledgement;
    ack.flags = kAck;
    if (sack_) {
      ++window_;
      if (const auto blocks = receiver_->sackBlocks(); !blocks.empty()) ack.options = sackOption(blocks);
    }
    ack.window = window_;
    inject(tcpSegment(ack));
  }

  // Data segments the agent sent since the last call; every transmission is counted by sequence number.
  AgentAnswer agentAnswer() {
    AgentAnswer answer;
    for (auto& segment : collectTcp(port_)) {
      if (segment.data.empty()) continue;
      (++transmissions_[segment.sequence] == 1 ? answer.newData : answer.resent).push_back(std::move(segment));
    }
    return answer;
  }

  int timesSent(const ParsedTcp& segment) const {
    const auto found = transmissions_.find(segment.sequence);
    return found == transmissions_.end() ? 0 : found->second;
  }
  int totalResends() const {
    int resends = 0;
    for (const auto& [sequence, count] : transmissions_) resends += count - 1;
    return resends;
  }

  // The 1-based positions in `window` of the given segments (0 for a segment outside it), for readable failures.
  static std::vector<std::size_t> positions(const std::vector<ParsedTcp>& window, const std::vector<ParsedTcp>& segments) {
    std::vector<std::size_t> result;
    for (const auto& segment : segments) {
      const auto found = std::find_if(window.begin(), window.end(),
                                      [&](const ParsedTcp& inWindow) { return inWindow.sequence == segment.sequence; });
      result.push_back(found == window.end() ? 0 : static_cast<std::size_t>(found - window.begin()) + 1);
    }
    return result;
  }

  // A retransmission timeout would also resend the lost segments; these tests are only meaningful if none
  // fired (lwIP's clock is real: the RTO is over a second, the tests take milliseconds).
  struct tcp_pcb* connection() const {
    struct tcp_pcb* pcb = tcp_active_pcbs;
    while (pcb != nullptr && pcb->remote_port != port_) pcb = pcb->next;
    return pcb;
  }
  void expectNoTimeoutRecovery() {
    const struct tcp_pcb* pcb = connection();
    ASSERT_NE(pcb, nullptr) << "the connection is gone";
    EXPECT_FALSE(pcb->flags & TF_RTO) << "lwIP's retransmission timer fired: the machine was too slow for this test";
  }

  const uint16_t port_ = 43000;
  int sshd_ = -1;
  bool sack_ = true;
  uint16_t window_ = kOperatorWindow;
  uint32_t streamEnd_ = 0;  // sequence number after the SSH server's last byte
  std::optional<OperatorReceiver> receiver_;
  std::map<uint32_t, int> transmissions_;
};

}  // namespace nefia::forwarder
