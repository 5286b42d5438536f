// Test fixture shared by the forwarder's packet-level unit tests: one Forwarder on a private uv loop, the
// tunnel end of its SOCK_SEQPACKET pair, a FakeBroker, and the operator-side handshake. Never used outside
// tests; it never advances lwIP's clock itself (only running the loop fires lwIP's real timers).
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/log.h"
#include "tests/workers/forwarder/packet_builder.h"
#include "workers/forwarder/constants.h"
#include "workers/forwarder/forwarder.h"
#include "workers/packet_link/packet_bundle.h"

namespace nefia::forwarder::testing {

inline constexpr uint8_t kSyn = 0x02, kAck = 0x10, kRst = 0x04;
inline constexpr uint16_t kMss = 1380;
inline constexpr uint8_t kAgentWindowShift = 7;  // TCP_RCV_SCALE in lwipopts.h
// The operator's SYN options: MSS 1380, window scale 7, SACK permitted (what Linux offers).
inline const std::vector<uint8_t> kSynOptions{2, 4, kMss >> 8, kMss & 0xff, 1, 3, 3, 7, 4, 2, 1, 1};

// Remembers requests; answers only when told to (or at once with a socket when `answerWith` is set).
class FakeBroker : public ConnectionBroker {
 public:
  void requestConnection(uint64_t, std::function<void(Result<int>)> done) override {
    if (answerWith >= 0) {
      done(std::exchange(answerWith, -1));
      return;
    }
    pending.push_back(std::move(done));
  }
  int answerWith = -1;
  std::vector<std::function<void(Result<int>)>> pending;
};

class ForwarderFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    tunnel_ = pair[0];
    auto created = Forwarder::create(&loop_, NetstackConfig{"10.99.0.2/24", "fd00:99::2/64", kDefaultMtu}, pair[1], broker_);
    ASSERT_TRUE(created.ok()) << created.error();
    forwarder_ = std::move(created).value();
  }
  void TearDown() override {
    bool closed = false;
    forwarder_->close([&] { closed = true; });
    spin();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_TRUE(closed);
    forwarder_.reset();
    broker_.pending.clear();
    ::close(tunnel_);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    Logger::instance().clearSinks();
  }
  void spin(int rounds = 4) {
    for (int i = 0; i < rounds; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  }
  void inject(const std::vector<uint8_t>& packet) {
    ASSERT_EQ(::send(tunnel_, packet.data(), packet.size(), 0), static_cast<ssize_t>(packet.size()));
  }
  std::vector<std::vector<uint8_t>> collect() {
    spin();
    std::vector<std::vector<uint8_t>> packets;
    std::vector<uint8_t> buffer(kMaxBundleBytes);
    while (true) {
      const ssize_t length = ::recv(tunnel_, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (length <= 0) break;
      const std::size_t unusable =
          forEachPacket(std::span<const uint8_t>(buffer.data(), static_cast<std::size_t>(length)), kDefaultMtu,
                        [&](std::span<const uint8_t> packet) {
                          packets.emplace_back(packet.begin(), packet.end());
                          return true;
                        });
      EXPECT_EQ(unusable, 0u) << "the forwarder sent a malformed bundle";
    }
    return packets;
  }
  std::vector<ParsedTcp> collectTcp(uint16_t clientPort) {
    std::vector<ParsedTcp> segments;
    for (const auto& packet : collect()) {
      auto parsed = parseTcp(packet);
      if (parsed && parsed->destinationPort == clientPort) segments.push_back(*parsed);
    }
    return segments;
  }
  TcpSegmentSpec fromClient(uint16_t clientPort, uint16_t serverPort = 22) {
    TcpSegmentSpec spec;
    spec.source = ipv4("10.99.0.1");
    spec.destination = ipv4("10.99.0.2");
    spec.sourcePort = clientPort;
    spec.destinationPort = serverPort;
    return spec;
  }
  // SYN (sequence 1000) with the given options; returns the agent's SYN-ACK.
  std::optional<ParsedTcp> sendSyn(uint16_t clientPort, uint16_t serverPort = 22,
                                   const std::vector<uint8_t>& options = kSynOptions) {
    TcpSegmentSpec syn = fromClient(clientPort, serverPort);
    syn.sequence = 1000;
    syn.flags = kSyn;
    syn.options = options;
    inject(tcpSegment(syn));
    for (const auto& segment : collectTcp(clientPort)) return segment;
    return std::nullopt;
  }
  // Completes a handshake; returns the agent's initial sequence number + 1.
  uint32_t connect(uint16_t clientPort, const std::vector<uint8_t>& options = kSynOptions) {
    auto synAck = sendSyn(clientPort, 22, options);
    EXPECT_TRUE(synAck && synAck->flags == (kSyn | kAck));
    if (!synAck) return 0;
    TcpSegmentSpec ack = fromClient(clientPort);
    ack.sequence = 1001;
    ack.acknowledgement = synAck->sequence + 1;
    ack.flags = kAck;
    ack.window = 0xffff;
    inject(tcpSegment(ack));
    spin();
    return synAck->sequence + 1;
  }

  uv_loop_t loop_{};
  int tunnel_ = -1;
  FakeBroker broker_;
  std::unique_ptr<Forwarder> forwarder_;
};

}  // namespace nefia::forwarder::testing
