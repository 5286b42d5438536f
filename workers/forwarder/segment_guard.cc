// SegmentGuard: a pre-filter in front of lwIP's tcp_input for segments that crash lwIP 2.1.3.
// Must stay cheap (one header parse and one walk of the active list) and never modify lwIP state.
#include "workers/forwarder/segment_guard.h"

#include <cstring>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

namespace nefia::forwarder {
namespace {

constexpr uint8_t kProtocolTcp = 6;
// Any receive window is at most 2^30 (RFC 7323); lwIP's is 1 MiB.
constexpr int32_t kFarAway = int32_t{1} << 30;

uint16_t read16(const uint8_t* bytes) { return static_cast<uint16_t>((bytes[0] << 8) | bytes[1]); }
uint32_t read32(const uint8_t* bytes) {
  return (uint32_t(bytes[0]) << 24) | (uint32_t(bytes[1]) << 16) | (uint32_t(bytes[2]) << 8) | bytes[3];
}

bool sameRemote(const struct tcp_pcb* pcb, const uint8_t* sourceAddress, bool ipv6) {
  if (ipv6) {
    return IP_IS_V6_VAL(pcb->remote_ip) && std::memcmp(ip_2_ip6(&pcb->remote_ip)->addr, sourceAddress, 16) == 0;
  }
  return IP_IS_V4_VAL(pcb->remote_ip) && std::memcmp(&ip_2_ip4(&pcb->remote_ip)->addr, sourceAddress, 4) == 0;
}

}  // namespace

bool isSegmentFarOutsideWindow(std::span<const uint8_t> packet) {
  if (packet.empty()) return false;
  const uint8_t version = packet[0] >> 4;
  const uint8_t* source = nullptr;
  std::size_t headerLength = 0;
  bool ipv6 = false;
  if (version == 4) {
    headerLength = (packet[0] & 0x0f) * 4u;
    if (packet.size() < 20 || headerLength < 20 || packet[9] != kProtocolTcp) return false;
    source = &packet[12];
  } else if (version == 6) {
    // Segments behind extension headers are rare enough to leave to lwIP's own checks.
    headerLength = 40;
    if (packet.size() < 40 || packet[6] != kProtocolTcp) return false;
    source = &packet[8];
    ipv6 = true;
  } else {
    return false;
  }
  if (packet.size() < headerLength + 20) return false;
  const uint8_t* tcp = &packet[headerLength];
  const uint16_t sourcePort = read16(tcp);
  const uint16_t destinationPort = read16(tcp + 2);
  const uint32_t sequence = read32(tcp + 4);
  for (const struct tcp_pcb* pcb = tcp_active_pcbs; pcb != nullptr; pcb = pcb->next) {
    if (pcb->remote_port != sourcePort || pcb->local_port != destinationPort || !sameRemote(pcb, source, ipv6)) {
      continue;
    }
    const int32_t distance = static_cast<int32_t>(sequence - pcb->rcv_nxt);
    return distance > kFarAway || distance < -kFarAway;
  }
  return false;
}

}  // namespace nefia::forwarder
