// Unit tests for the per-connection receive window limit (lwip_patches/0008, tcp_set_rcv_wnd_max) as the
// operator sees it: a raised limit is announced at once, a lowered one never moves the offered right edge left.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/workers/forwarder/forwarder_fixture.h"
#include "tests/workers/forwarder/packet_builder.h"
#include "workers/forwarder/constants.h"
// lwIP's headers define htonl() and friends as macros: they come after every system header.
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

namespace nefia::forwarder {
namespace {

using testing::kAck;
using testing::kAgentWindowShift;
using testing::kMss;
using testing::ParsedTcp;
using testing::tcpSegment;
using testing::TcpSegmentSpec;

class WindowAutotuningTest : public testing::ForwarderFixture {
 protected:
  void SetUp() override {
    ForwarderFixture::SetUp();
    int local[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, local), 0);
    sshd_ = local[0];
    broker_.answerWith = local[1];
    agentNext_ = connect(kPort);
    ASSERT_EQ(broker_.answerWith, -1) << "the broker was asked";
  }
  void TearDown() override {
    ForwarderFixture::TearDown();
    if (sshd_ >= 0) ::close(sshd_);
  }
  struct tcp_pcb* connection() const {
    struct tcp_pcb* pcb = tcp_active_pcbs;
    while (pcb != nullptr && pcb->remote_port != kPort) pcb = pcb->next;
    return pcb;
  }
  // The right edge (acknowledgement + window) of every ACK the agent sent since the last call.
  std::vector<uint32_t> rightEdges() {
    std::vector<uint32_t> edges;
    for (const ParsedTcp& segment : collectTcp(kPort)) {
      edges.push_back(segment.acknowledgement + (static_cast<uint32_t>(segment.window) << kAgentWindowShift));
    }
    return edges;
  }
  // Sends `bytes` of data from the operator right after what it sent before.
  void operatorSends(std::size_t bytes) {
    for (std::size_t done = 0; done < bytes;) {
      const std::size_t length = std::min<std::size_t>(kMss, bytes - done);
      TcpSegmentSpec segment = fromClient(kPort);
      segment.sequence = 1001 + sent_;
      segment.acknowledgement = agentNext_;
      segment.flags = kAck;
      segment.data.assign(length, 'x');
      inject(tcpSegment(segment));
      sent_ += static_cast<uint32_t>(length);
      done += length;
    }
    spin();
  }
  std::size_t drainLocal() {
    std::size_t total = 0;
    uint8_t buffer[65536];
    for (ssize_t length; (length = ::recv(sshd_, buffer, sizeof buffer, MSG_DONTWAIT)) > 0;) total += length;
    spin();
    return total;
  }

  static constexpr uint16_t kPort = 44000;
  int sshd_ = -1;
  uint32_t agentNext_ = 0;
  uint32_t sent_ = 0;
};

TEST_F(WindowAutotuningTest, ConnectionStartsWithTheInitialWindowAndARaisedLimitIsAnnouncedAtOnce) {
  struct tcp_pcb* pcb = connection();
  ASSERT_NE(pcb, nullptr);
  EXPECT_EQ(pcb->rcv_wnd_max, kInitialReceiveWindow);
  EXPECT_EQ(pcb->rcv_wnd, kInitialReceiveWindow);
  rightEdges();
  tcp_set_rcv_wnd_max(pcb, 4 * 1024 * 1024);
  spin();
  const auto edges = rightEdges();
  ASSERT_FALSE(edges.empty()) << "the larger window was not announced";
  EXPECT_EQ(edges.back(), 1001u + 4 * 1024 * 1024) << "the operator may send 4 MiB beyond what it sent";
  EXPECT_EQ(connection()->rcv_wnd, 4u * 1024 * 1024);
}

TEST_F(WindowAutotuningTest, ALimitAboveTheScaleIsClampedToTheLargestWindow) {
  tcp_set_rcv_wnd_max(connection(), 64u * 1024 * 1024);
  EXPECT_EQ(connection()->rcv_wnd_max, 0xffffu << TCP_RCV_SCALE);
}

TEST_F(WindowAutotuningTest, ALoweredLimitNeverMovesTheOfferedRightEdgeLeft) {
  tcp_set_rcv_wnd_max(connection(), 2 * 1024 * 1024);
  spin();
  uint32_t edge = rightEdges().back();
  ASSERT_EQ(edge, 1001u + 2 * 1024 * 1024);
  tcp_set_rcv_wnd_max(connection(), kInitialReceiveWindow);
  EXPECT_EQ(connection()->rcv_wnd, 2u * 1024 * 1024) << "what was offered stays offered";
  // The operator sends a little, the SSH server reads it (tcp_recved), then the operator sends the rest of
  // the window it was offered at once: all of it must be accepted.
  std::vector<uint32_t> edges;
  auto keepEdges = [&] {
    for (uint32_t next : rightEdges()) edges.push_back(next);
  };
  operatorSends(64 * 1024);
  std::size_t delivered = drainLocal();
  keepEdges();
  // The SSH server stops reading: what it took made lwIP restore the window to at most the limit, and the
  // operator now sends the rest, in bursts without waiting for ACKs.
  while (sent_ < edge - 1001) {
    operatorSends(std::min<std::size_t>(32 * 1024, edge - 1001 - sent_));
    keepEdges();
  }
  for (int round = 0; round < 400 && delivered < sent_; ++round) {
    delivered += drainLocal();
    keepEdges();
  }
  for (uint32_t next : edges) {
    // Scaled windows are announced in units of 128 bytes: the edge rounds down by less than one unit.
    EXPECT_GT(static_cast<int32_t>(next - edge), -(1 << kAgentWindowShift)) << "the right edge moved left";
    edge = std::max(edge, next);
  }
  delivered += drainLocal();
  EXPECT_EQ(sent_, 2u * 1024 * 1024);
  EXPECT_EQ(delivered, sent_) << "every byte within the offered window was accepted";
  EXPECT_LE(connection()->rcv_wnd, std::max<std::size_t>(connection()->rcv_wnd_max, kInitialReceiveWindow));
}

}  // namespace
}  // namespace nefia::forwarder
