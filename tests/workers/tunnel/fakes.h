// Hermetic test doubles for the WireGuard device: a fake clock, a fake UDP network joining several fake binds,
// a fake TUN, and a two-device fixture (agent and operator). Test-only; never performs real I/O.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "workers/tunnel/crypto.h"
#include "workers/tunnel/device.h"

namespace nefia::wg::testing_util {

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::time_point(offset_ + std::chrono::hours(1000)); }
  std::chrono::system_clock::time_point wallNow() override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000)) + offset_;
  }
  void advance(std::chrono::nanoseconds step) { offset_ += step; }

 private:
  std::chrono::nanoseconds offset_{0};
};

struct Datagram {
  UdpEndpoint from;
  UdpEndpoint to;
  std::vector<uint8_t> bytes;
  uint32_t type() const { return bytes.empty() ? 0 : bytes[0]; }
};

class FakeNetwork;

class FakeBind final : public DatagramSender {
 public:
  FakeBind(FakeNetwork& network, UdpEndpoint local) : network_(network), local_(local) {}
  void sendDatagram(const UdpEndpoint& to, std::span<const uint8_t> datagram) override;
  const UdpEndpoint& local() const { return local_; }
  void moveTo(const UdpEndpoint& local) { local_ = local; }  // the host roamed (new NAT mapping)

 private:
  FakeNetwork& network_;
  UdpEndpoint local_;
};

class FakeTun final : public PacketReceiver {
 public:
  void deliverPacket(std::span<const uint8_t> ipPacket) override { packets.emplace_back(ipPacket.begin(), ipPacket.end()); }
  std::vector<std::vector<uint8_t>> packets;
};

// Datagrams in flight. Tests deliver them, drop them, duplicate or reorder them.
class FakeNetwork {
 public:
  std::deque<Datagram> inFlight;
  std::vector<Datagram> history;  // everything ever sent, for cadence checks

  void attach(FakeBind* bind, Device* device) { nodes_.push_back({bind, device}); }
  // Delivers one datagram to the device whose bind has the destination address; false if nobody has it.
  bool deliver(Datagram datagram) {
    for (const Node& node : nodes_) {
      if (node.bind->local() == datagram.to) {
        node.device->receiveDatagram(datagram.from, datagram.bytes);
        return true;
      }
    }
    return false;
  }
  // Delivers until nothing is in flight (bounded, so a ping-pong bug fails instead of hanging).
  int deliverAll(int limit = 1000) {
    int delivered = 0;
    while (!inFlight.empty() && delivered < limit) {
      Datagram next = std::move(inFlight.front());
      inFlight.pop_front();
      deliver(std::move(next));
      ++delivered;
    }
    return delivered;
  }
  std::vector<Datagram> takeAll() {
    std::vector<Datagram> taken(inFlight.begin(), inFlight.end());
    inFlight.clear();
    return taken;
  }

 private:
  struct Node {
    FakeBind* bind;
    Device* device;
  };
  std::vector<Node> nodes_;
};

inline void FakeBind::sendDatagram(const UdpEndpoint& to, std::span<const uint8_t> datagram) {
  Datagram sent{local_, to, std::vector<uint8_t>(datagram.begin(), datagram.end())};
  network_.history.push_back(sent);
  network_.inFlight.push_back(std::move(sent));
}

inline UdpEndpoint endpoint(const char* text) { return *UdpEndpoint::parse(text); }

inline IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

// A minimal IPv4 packet (20-byte header, protocol 253 "experimental", given payload) from source to destination.
inline std::vector<uint8_t> ipv4Packet(const char* source, const char* destination, std::size_t payloadSize,
                                       uint8_t fill = 0xab) {
  std::vector<uint8_t> packet(20 + payloadSize, fill);
  packet[0] = 0x45;
  packet[1] = 0;
  packet[2] = static_cast<uint8_t>(packet.size() >> 8);
  packet[3] = static_cast<uint8_t>(packet.size());
  packet[8] = 64;
  packet[9] = 253;
  inet_pton(AF_INET, source, packet.data() + 12);
  inet_pton(AF_INET, destination, packet.data() + 16);
  return packet;
}

// The agent (10.99.0.2 at 192.0.2.2:51820, knows the operator's endpoint) and the operator (10.99.0.1 at
// 192.0.2.1:51820). The operator learns the agent's endpoint from its handshake, like a NATed agent in production.
struct DevicePair {
  FakeClock clock;
  FakeNetwork network;
  Key32 agentKey = generatePrivateKey();
  Key32 operatorKey = generatePrivateKey();
  FakeBind agentBind{network, endpoint("192.0.2.2:51820")};
  FakeBind operatorBind{network, endpoint("192.0.2.1:51820")};
  FakeTun agentTun;
  FakeTun operatorTun;
  std::unique_ptr<Device> agent;
  std::unique_ptr<Device> operatorDevice;

  explicit DevicePair(std::optional<std::chrono::seconds> agentKeepalive = std::chrono::seconds(0)) {
    agent = std::make_unique<Device>(agentKey, clock, agentBind, agentTun);
    operatorDevice = std::make_unique<Device>(operatorKey, clock, operatorBind, operatorTun);
    network.attach(&agentBind, agent.get());
    network.attach(&operatorBind, operatorDevice.get());
    EXPECT_TRUE(operatorDevice->upsertPeer(operatorSideConfig()).ok());
    EXPECT_TRUE(agent->upsertPeer(agentSideConfig(agentKeepalive)).ok());
  }

  PeerConfig agentSideConfig(std::optional<std::chrono::seconds> keepalive) const {
    PeerConfig config;
    config.publicKey = publicKeyFor(operatorKey);
    config.endpoint = endpoint("192.0.2.1:51820");
    config.allowedIps = {prefix("10.99.0.1/32")};
    config.persistentKeepalive = keepalive;
    return config;
  }

  PeerConfig operatorSideConfig() const {
    PeerConfig config;
    config.publicKey = publicKeyFor(agentKey);
    config.allowedIps = {prefix("10.99.0.2/32")};
    return config;
  }

  // Agent sends one packet to the operator and everything is delivered: handshake plus data.
  void connect() {
    agent->sendPacket(ipv4Packet("10.99.0.2", "10.99.0.1", 8));
    network.deliverAll();
  }

  // Advances the clock in steps, running due timers; with deliver=false datagrams pile up in flight.
  void runFor(std::chrono::milliseconds total, bool deliver = true,
              std::chrono::milliseconds step = std::chrono::milliseconds(100)) {
    for (std::chrono::milliseconds elapsed{0}; elapsed < total; elapsed += step) {
      clock.advance(step);
      agent->runDueTimers();
      operatorDevice->runDueTimers();
      if (deliver) network.deliverAll();
    }
  }

  int countSent(const FakeBind& from, uint32_t type, std::size_t size = 0) const {
    int count = 0;
    for (const Datagram& datagram : network.history) {
      if (datagram.from == from.local() && datagram.type() == type && (size == 0 || datagram.bytes.size() == size)) {
        ++count;
      }
    }
    return count;
  }
};

}  // namespace nefia::wg::testing_util
