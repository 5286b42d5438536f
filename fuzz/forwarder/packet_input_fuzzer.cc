// libFuzzer target: arbitrary packets from the tunnel into the forwarder (lwIP input, TCP state machine,
// accept, relay to a local socket). Inbound checksums are not verified in production (WireGuard
// authenticates), so lwIP's parsers see exactly these bytes. Must never keep state outside this process.
// Input format: repeated [u16 big-endian length][packet bytes]; IPv4 destinations are forced to the agent.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "workers/forwarder/forwarder.h"
#include "workers/packet_link/packet_bundle.h"

namespace {

using nefia::Result;
using namespace nefia::forwarder;

// Answers every request with one end of a fresh socketpair, so accepted connections relay for real.
class PairBroker : public ConnectionBroker {
 public:
  void requestConnection(uint64_t, std::function<void(Result<int>)> done) override {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0) {
      done(nefia::makeError("socketpair failed"));
      return;
    }
    ::close(pair[0]);
    done(pair[1]);
  }
};

struct Harness {
  uv_loop_t loop{};
  int tunnel = -1;
  PairBroker broker;
  std::unique_ptr<Forwarder> forwarder;

  Harness() {
    uv_loop_init(&loop);
    int pair[2];
    ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair);
    tunnel = pair[0];
    auto created = Forwarder::create(&loop, NetstackConfig{"10.99.0.2/24", "fd00:99::2/64", kDefaultMtu}, pair[1], broker);
    if (!created) __builtin_trap();
    forwarder = std::move(created).value();
  }

  // Remembers the agent's sequence number from each SYN-ACK so fuzzed ACKs can get past the handshake.
  void drainOutput() {
    static uint8_t buffer[kMaxBundleBytes];
    ssize_t length;
    while ((length = ::recv(tunnel, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) {
      forEachPacket(std::span<const uint8_t>(buffer, static_cast<std::size_t>(length)), kDefaultMtu,
                    [this](std::span<const uint8_t> packet) {
                      rememberSynAck(packet);
                      return true;
                    });
    }
  }

  void rememberSynAck(std::span<const uint8_t> packet) {
    if (packet.size() < 40 || (packet[0] >> 4) != 4 || packet[9] != 6) return;
    const std::size_t header = (packet[0] & 0x0f) * 4u;
    if (header + 20 > packet.size()) return;
    const uint8_t* tcp = packet.data() + header;
    if ((tcp[13] & 0x12) != 0x12) return;
    const uint16_t clientPort = static_cast<uint16_t>((tcp[2] << 8) | tcp[3]);
    const uint32_t sequence = (uint32_t(tcp[4]) << 24) | (uint32_t(tcp[5]) << 16) | (uint32_t(tcp[6]) << 8) | tcp[7];
    agentNext[clientPort] = sequence + 1;
  }

  // Inbound checksums are not verified, so the rewrite needs no checksum update.
  void fixAcknowledgement(std::vector<uint8_t>& packet) {
    if (packet.size() < 40 || packet[9] != 6) return;
    const std::size_t header = (packet[0] & 0x0f) * 4u;
    if (header < 20 || header + 20 > packet.size()) return;
    uint8_t* tcp = &packet[header];
    const uint16_t clientPort = static_cast<uint16_t>((tcp[0] << 8) | tcp[1]);
    auto found = agentNext.find(clientPort);
    if (found == agentNext.end() || !(tcp[13] & 0x10)) return;
    const uint32_t acknowledgement = found->second;
    tcp[8] = static_cast<uint8_t>(acknowledgement >> 24);
    tcp[9] = static_cast<uint8_t>(acknowledgement >> 16);
    tcp[10] = static_cast<uint8_t>(acknowledgement >> 8);
    tcp[11] = static_cast<uint8_t>(acknowledgement);
  }

  std::unordered_map<uint16_t, uint32_t> agentNext;
};

Harness& harness() {
  static Harness* instance = new Harness();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& state = harness();
  std::vector<uint8_t> packet;
  while (size >= 2) {
    std::size_t length = (static_cast<std::size_t>(data[0]) << 8) | data[1];
    data += 2;
    size -= 2;
    if (length > size) length = size;
    if (length > kDefaultMtu) length = kDefaultMtu;
    packet.assign(data, data + length);
    data += length;
    size -= length;
    if (packet.size() >= 20 && (packet[0] >> 4) == 4) {
      const uint8_t agent[4] = {10, 99, 0, 2};
      std::memcpy(&packet[16], agent, 4);
      state.fixAcknowledgement(packet);
    }
    if (!packet.empty()) ::send(state.tunnel, packet.data(), packet.size(), MSG_DONTWAIT);
    uv_run(&state.loop, UV_RUN_NOWAIT);
    state.drainOutput();
  }
  uv_run(&state.loop, UV_RUN_NOWAIT);
  state.drainOutput();
  return 0;
}
