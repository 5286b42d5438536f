// Shared body of the tunnel message fuzzers: the message parser must accept exactly what it can re-serialise
// byte for byte, and a Device fed the same bytes must neither crash nor answer garbage. Fuzz builds only.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "workers/tunnel/cookie.h"
#include "workers/tunnel/device.h"

namespace nefia::wg::fuzzing {

class NullSender final : public DatagramSender {
 public:
  void sendDatagram(const UdpEndpoint&, std::span<const uint8_t>) override {}
};

class NullReceiver final : public PacketReceiver {
 public:
  void deliverPacket(std::span<const uint8_t>) override {}
};

class FixedClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::time_point(std::chrono::hours(1)); }
  std::chrono::system_clock::time_point wallNow() override { return std::chrono::system_clock::time_point(std::chrono::hours(1)); }
};

// One device with one peer, shared by all iterations (its state evolves like a long-running worker's).
inline Device& fuzzDevice() {
  static FixedClock clock;
  static NullSender sender;
  static NullReceiver receiver;
  static Device* device = [] {
    Key32 ours;
    ours[0] = 1;
    auto* created = new Device(ours, clock, sender, receiver);
    PeerConfig peer;
    peer.publicKey = publicKeyFor([] { Key32 theirs; theirs[0] = 2; return theirs; }());
    peer.endpoint = UdpEndpoint::parse("192.0.2.1:51820");
    peer.allowedIps = {*IpPrefix::parse("10.99.0.1/32")};
    peer.persistentKeepalive = std::chrono::seconds(0);
    (void)created->upsertPeer(peer);
    return created;
  }();
  return *device;
}

// Runs parse -> serialize and checks the round trip; then feeds the bytes to the device.
template <typename Message, std::size_t Size, typename Parse>
void fuzzMessage(const uint8_t* data, std::size_t size, Parse parse) {
  const std::span<const uint8_t> input(data, size);
  if (const std::optional<Message> message = parse(input)) {
    if (size != Size) __builtin_trap();
    std::array<uint8_t, Size> wire{};
    serialize(*message, wire);
    if (std::memcmp(wire.data(), data, Size) != 0) __builtin_trap();
  }
  std::vector<uint8_t> copy(data, data + size);
  fuzzDevice().receiveDatagram(*UdpEndpoint::parse("192.0.2.9:4000"), copy);
  // Random bytes never carry a valid mac1; give handshake messages one so the Noise code behind it is reached too.
  if (size == Size && (Size == kMessageInitiationSize || Size == kMessageResponseSize)) {
    std::vector<uint8_t> macced(data, data + size);
    CookieGenerator(fuzzDevice().publicKey()).addMacs(macced, std::chrono::steady_clock::time_point(std::chrono::hours(1)));
    fuzzDevice().receiveDatagram(*UdpEndpoint::parse("192.0.2.9:4000"), macced);
  }
}

}  // namespace nefia::wg::fuzzing
