// Unit tests for the netstack and the relay with hand-made IPv4 packets over a SOCK_SEQPACKET pair (no root):
// ICMP echo, the SYN-ACK's options (MSS clamp, window scale, SACK) and outbound checksums, no idle timers,
// the connection limit, and receive-side backpressure (lwIP's window only reopens as the local socket reads).
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/log.h"
#include "lwip/timeouts.h"
#include "tests/workers/forwarder/forwarder_fixture.h"
#include "tests/workers/forwarder/packet_builder.h"
#include "workers/forwarder/constants.h"
#include "workers/forwarder/forwarder.h"

namespace nefia::forwarder {
namespace {

using testing::FakeBroker;
using testing::icmpEchoRequest;
using testing::kAck;
using testing::kAgentWindowShift;
using testing::kMss;
using testing::kRst;
using testing::kSyn;
using testing::internetChecksum;
using testing::ipv4;
using testing::parseTcp;
using testing::ParsedTcp;
using testing::tcpChecksum;
using testing::tcpSegment;
using testing::TcpSegmentSpec;

class CountingSink : public LogSink {
 public:
  void write(const LogRecord&, std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

class ForwarderPacketTest : public testing::ForwarderFixture {};

TEST_F(ForwarderPacketTest, AnswersIcmpEchoWithCorrectChecksums) {
  const std::vector<uint8_t> payload{'n', 'e', 'f', 'i', 'a', 0, 1, 2};
  inject(icmpEchoRequest(ipv4("10.99.0.1"), ipv4("10.99.0.2"), 0x4242, 9, payload));
  const auto packets = collect();
  ASSERT_EQ(packets.size(), 1u);
  const auto& reply = packets[0];
  ASSERT_EQ(reply.size(), 20u + 8 + payload.size());
  EXPECT_EQ(internetChecksum(reply.data(), 20), 0) << "IPv4 header checksum";
  EXPECT_EQ(internetChecksum(reply.data() + 20, reply.size() - 20), 0) << "ICMP checksum";
  EXPECT_EQ(reply[20], 0) << "echo reply";
  EXPECT_EQ(std::vector<uint8_t>(reply.begin() + 28, reply.end()), payload);
  EXPECT_EQ(0, std::memcmp(&reply[16], "\x0a\x63\x00\x01", 4)) << "sent back to 10.99.0.1";
}

TEST_F(ForwarderPacketTest, SynAckClampsMssAndOffersWindowScaleAndSack) {
  TcpSegmentSpec syn = fromClient(40000);
  syn.sequence = 1000;
  syn.flags = kSyn;
  syn.options = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};  // the client offers MSS 1460
  inject(tcpSegment(syn));
  const auto packets = collect();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(internetChecksum(packets[0].data(), 20), 0) << "IPv4 header checksum";
  EXPECT_EQ(tcpChecksum(packets[0]), 0) << "TCP checksum over the pseudo header";
  const auto synAck = parseTcp(packets[0]);
  ASSERT_TRUE(synAck);
  EXPECT_EQ(synAck->flags, kSyn | kAck);
  EXPECT_EQ(synAck->acknowledgement, 1001u);
  EXPECT_EQ(synAck->mss, std::optional<uint16_t>(1380)) << "MTU 1420 - 40";
  EXPECT_EQ(synAck->windowScale, std::optional<uint8_t>(kAgentWindowShift));
  EXPECT_TRUE(synAck->sackPermitted);
}

TEST_F(ForwarderPacketTest, Ipv6SynAckClampsMssToTheIpv6HeaderSize) {
  in6_addr client{}, agent{};
  inet_pton(AF_INET6, "fd00:99::1", &client);
  inet_pton(AF_INET6, "fd00:99::2", &agent);
  inject(testing::tcpSyn6(client.s6_addr, agent.s6_addr, 40010, 22, {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1}));
  const auto packets = collect();
  ASSERT_EQ(packets.size(), 1u);
  const auto& reply = packets[0];
  ASSERT_EQ(reply[0] >> 4, 6);
  EXPECT_EQ(testing::tcpChecksum6(reply), 0) << "TCP checksum over the IPv6 pseudo header";
  EXPECT_EQ(0, std::memcmp(&reply[24], client.s6_addr, 16));
  const uint8_t* tcp = &reply[40];
  EXPECT_EQ(tcp[13], kSyn | kAck);
  ASSERT_EQ(tcp[20], 2) << "MSS option first";
  EXPECT_EQ((tcp[22] << 8) | tcp[23], 1360) << "MTU 1420 - 40 (IPv6) - 20 (TCP)";
}

TEST_F(ForwarderPacketTest, SegmentHalfTheSequenceSpaceAwayIsDroppedInsteadOfCrashingLwip) {
  const uint16_t port = 40020;
  const uint32_t agentNext = connect(port);
  // lwIP 2.1.3 aborts ("insane offset!") on a 1-byte segment exactly 2^31 before rcv_nxt.
  TcpSegmentSpec poison = fromClient(port);
  poison.sequence = 1001u + 0x80000000u;
  poison.acknowledgement = agentNext;
  poison.flags = kAck | 0x01;
  inject(tcpSegment(poison));
  spin();
  TcpSegmentSpec data = fromClient(port);
  data.sequence = 1001;
  data.acknowledgement = agentNext;
  data.flags = kAck;
  data.data = {'o', 'k'};
  inject(tcpSegment(data));
  // The ACK for a single segment is delayed until lwIP's next TCP timer tick (250 ms).
  std::vector<ParsedTcp> replies;
  for (int round = 0; round < 60 && replies.empty(); ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    replies = collectTcp(port);
  }
  ASSERT_FALSE(replies.empty()) << "the connection must still answer";
  EXPECT_EQ(replies.back().acknowledgement, 1003u);
}

TEST_F(ForwarderPacketTest, SynToAnotherPortIsReset) {
  const auto reply = sendSyn(40001, 2222);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->flags & kRst);
}

TEST_F(ForwarderPacketTest, LwipTimerRunsOnlyWhileConnectionsExist) {
  connect(40002);
  EXPECT_LE(sys_timeouts_sleeptime(), 250u) << "an open connection runs lwIP's TCP timer";
  TcpSegmentSpec reset = fromClient(40002);
  reset.sequence = 1001;
  reset.flags = kRst;
  inject(tcpSegment(reset));
  // With the connection gone, the TCP timer stops itself after one more tick, and nothing else (IPv6
  // neighbour discovery, reassembly) keeps a timer: an idle agent is not woken by lwIP.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (sys_timeouts_sleeptime() != SYS_TIMEOUTS_SLEEPTIME_INFINITE && std::chrono::steady_clock::now() < deadline) {
    spin(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(sys_timeouts_sleeptime(), SYS_TIMEOUTS_SLEEPTIME_INFINITE);
  EXPECT_EQ(forwarder_->stats().activeConnections, 0u);
}

TEST_F(ForwarderPacketTest, TheHundredFirstConnectionIsResetAndCountedWithOneLogLine) {
  auto sink = std::make_shared<CountingSink>();
  Logger::instance().addSink(sink);
  for (uint16_t i = 0; i < kMaxAgentConnections; ++i) connect(static_cast<uint16_t>(41000 + i));
  EXPECT_EQ(broker_.pending.size(), kMaxAgentConnections);
  EXPECT_EQ(forwarder_->stats().activeConnections, kMaxAgentConnections);

  const uint16_t extraPort = 41000 + kMaxAgentConnections;
  auto synAck = sendSyn(extraPort);
  ASSERT_TRUE(synAck);
  TcpSegmentSpec ack = fromClient(extraPort);
  ack.sequence = 1001;
  ack.acknowledgement = synAck->sequence + 1;
  ack.flags = kAck;
  inject(tcpSegment(ack));
  const auto replies = collectTcp(extraPort);
  ASSERT_FALSE(replies.empty());
  EXPECT_TRUE(replies.back().flags & kRst);
  EXPECT_EQ(forwarder_->stats().refusedConnections, 1u);
  EXPECT_EQ(forwarder_->stats().activeConnections, kMaxAgentConnections);
  EXPECT_EQ(broker_.pending.size(), kMaxAgentConnections) << "a refused connection costs no broker request";
  int refusals = 0;
  for (const auto& line : sink->lines) refusals += line.find("refused connection from 10.99.0.1:41100") != std::string::npos;
  EXPECT_EQ(refusals, 1);
}

TEST_F(ForwarderPacketTest, ReceiveWindowClosesWhileTheLocalSocketIsFullAndReopensAsItDrains) {
  int local[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, local), 0);
  const int sshd = local[0];
  broker_.answerWith = local[1];
  const uint16_t port = 42000;
  const uint32_t agentNext = connect(port);
  ASSERT_EQ(broker_.answerWith, -1) << "the broker was asked";

  std::vector<uint8_t> stream(6 * 1024 * 1024);
  for (std::size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<uint8_t>((i * 131) ^ (i >> 11));
  uint32_t acked = 0;       // bytes of our stream the agent acknowledged
  uint32_t window = 65535;  // the handshake's ACK carried an unscaled window
  std::size_t sent = 0;
  std::size_t delivered = 0;
  bool sawZeroWindow = false;
  std::size_t largestHeld = 0;
  auto sendWithinWindow = [&] {
    for (int burst = 0; burst < 64; ++burst) {
      const std::size_t length = std::min<std::size_t>({kMss, stream.size() - sent, acked + window - sent});
      if (length == 0 || sent + length > acked + window) break;
      TcpSegmentSpec segment = fromClient(port);
      segment.sequence = static_cast<uint32_t>(1001 + sent);
      segment.acknowledgement = agentNext;
      segment.flags = kAck;
      segment.data.assign(stream.begin() + sent, stream.begin() + sent + length);
      inject(tcpSegment(segment));
      sent += length;
    }
  };
  auto readAcks = [&] {
    for (const auto& segment : collectTcp(port)) {
      ASSERT_FALSE(segment.flags & kRst);
      acked = std::max(acked, segment.acknowledgement - 1001);
      window = static_cast<uint32_t>(segment.window) << kAgentWindowShift;
    }
  };
  auto drainLocal = [&] {
    uint8_t buffer[65536];
    while (true) {
      const ssize_t length = ::recv(sshd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (length <= 0) break;
      ASSERT_EQ(0, std::memcmp(buffer, stream.data() + delivered, length)) << "byte " << delivered;
      delivered += static_cast<std::size_t>(length);
    }
  };

  // Phase 1: the local socket is never read; the agent must close its window.
  for (int round = 0; round < 2000 && !(sawZeroWindow && acked == sent); ++round) {
    sendWithinWindow();
    readAcks();
    if (window < kMss) sawZeroWindow = true;
  }
  ASSERT_TRUE(sawZeroWindow) << "the window never closed: the forwarder buffers without bound";
  const std::size_t inLocalSocket = [&] {
    std::size_t before = delivered;
    drainLocal();
    return delivered - before;
  }();
  largestHeld = acked - inLocalSocket;
  // The window grows only with what the local socket took (twice it per RTT at most): it stays bounded.
  EXPECT_LE(largestHeld, std::max(kInitialReceiveWindow, 2 * inLocalSocket) + kMss)
      << "held inside the forwarder beyond the connection's receive window";
  EXPECT_GE(acked, kInitialReceiveWindow) << "the initial 256 KiB window should have been offered";

  // Phase 2: reading the local socket reopens the window and everything arrives intact.
  for (int round = 0; round < 20000 && delivered < stream.size(); ++round) {
    sendWithinWindow();
    readAcks();
    drainLocal();
  }
  EXPECT_EQ(delivered, stream.size());
  ::close(sshd);
}

TEST_F(ForwarderPacketTest, LocalSocketIsNotReadWhileLwipsSendBufferIsFull) {
  int local[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, local), 0);
  const int sshd = local[0];
  broker_.answerWith = local[1];
  const uint16_t port = 42100;
  const uint32_t agentFirst = connect(port);
  std::vector<uint8_t> written;
  std::vector<uint8_t> arrived;
  uint32_t expected = agentFirst;  // next sequence number we want from the agent
  auto receive = [&](bool acknowledge) {
    for (const auto& segment : collectTcp(port)) {
      if (segment.sequence == expected && !segment.data.empty()) {
        arrived.insert(arrived.end(), segment.data.begin(), segment.data.end());
        expected += static_cast<uint32_t>(segment.data.size());
      }
    }
    if (!acknowledge) return;
    TcpSegmentSpec ack = fromClient(port);
    ack.sequence = 1001;
    ack.acknowledgement = expected;
    ack.flags = kAck;
    inject(tcpSegment(ack));
  };

  // Phase 1: the operator acknowledges nothing; the SSH server writes as fast as it can.
  int stalledRounds = 0;
  for (int round = 0; round < 4000 && stalledRounds < 20 && written.size() < 16u * 1024 * 1024; ++round) {
    std::vector<uint8_t> chunk(16384);
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>((written.size() + i) * 7 + 3);
    const ssize_t length = ::send(sshd, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (length > 0) {
      written.insert(written.end(), chunk.begin(), chunk.begin() + length);
      stalledRounds = 0;
    } else {
      ++stalledRounds;
    }
    receive(false);
  }
  ASSERT_EQ(stalledRounds, 20) << "the SSH server's writes never blocked: the forwarder reads without bound";
  // What left the SSH server's socket is held by lwIP (1 MiB send buffer) plus one 64 KiB read chunk;
  // the rest waits in the socketpair's own buffers (about 200 KiB by default).
  EXPECT_LE(written.size(), 1024u * 1024 + kLocalReadChunk + 512u * 1024);

  // Phase 2: acknowledging lets everything through, in order.
  for (int round = 0; round < 20000 && arrived.size() < written.size(); ++round) receive(true);
  ASSERT_EQ(arrived.size(), written.size());
  EXPECT_TRUE(arrived == written);
  ::close(sshd);
}

TEST(ForwarderConfigTest, InvalidAddressIsRejectedNamingTheConfigField) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  FakeBroker broker;
  auto created = Forwarder::create(&loop, NetstackConfig{"10.99.0.300/24", "", kDefaultMtu}, pair[1], broker);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().find("10.99.0.300/24"), std::string::npos);
  EXPECT_NE(created.error().find("`address`"), std::string::npos);
  auto badIpv6 = Forwarder::create(&loop, NetstackConfig{"10.99.0.2/24", "fd00::zz/64", kDefaultMtu}, ::dup(pair[0]), broker);
  ASSERT_FALSE(badIpv6.ok());
  EXPECT_NE(badIpv6.error().find("fd00::zz/64"), std::string::npos);
  ::close(pair[0]);
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

void createTwoForwarders() {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int first[2];
  int second[2];
  ::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, first);
  ::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, second);
  FakeBroker broker;
  auto one = Forwarder::create(&loop, NetstackConfig{"10.99.0.2/24", "", kDefaultMtu}, first[1], broker);
  auto two = Forwarder::create(&loop, NetstackConfig{"10.99.0.3/24", "", kDefaultMtu}, second[1], broker);
}

TEST(NetstackSingletonDeathTest, SecondLiveNetstackAbortsWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(createTwoForwarders(), "lwIP is a process-wide singleton");
}

}  // namespace
}  // namespace nefia::forwarder
