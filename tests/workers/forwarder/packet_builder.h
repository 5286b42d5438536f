// Test helper: builds and parses raw IPv4 ICMP/TCP packets so the netstack can be exercised over a plain
// socketpair without root. Never used outside tests; checksums are computed the RFC 1071 way.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace nefia::forwarder::testing {

inline uint16_t internetChecksum(const uint8_t* data, std::size_t length, uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < length; i += 2) sum += (uint32_t(data[i]) << 8) | data[i + 1];
  if (length & 1) sum += uint32_t(data[length - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

inline uint32_t ipv4(const char* text) {
  in_addr address{};
  inet_pton(AF_INET, text, &address);
  return address.s_addr;  // network order
}

inline void writeIpv4Header(std::vector<uint8_t>& packet, uint8_t protocol, uint32_t source, uint32_t destination) {
  packet[0] = 0x45;
  const uint16_t total = htons(static_cast<uint16_t>(packet.size()));
  std::memcpy(&packet[2], &total, 2);
  packet[8] = 64;
  packet[9] = protocol;
  std::memcpy(&packet[12], &source, 4);
  std::memcpy(&packet[16], &destination, 4);
  packet[10] = packet[11] = 0;
  const uint16_t checksum = htons(internetChecksum(packet.data(), 20));
  std::memcpy(&packet[10], &checksum, 2);
}

inline std::vector<uint8_t> icmpEchoRequest(uint32_t source, uint32_t destination, uint16_t id, uint16_t sequence,
                                            const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> packet(20 + 8 + payload.size());
  uint8_t* icmp = &packet[20];
  icmp[0] = 8;
  const uint16_t idNet = htons(id), sequenceNet = htons(sequence);
  std::memcpy(icmp + 4, &idNet, 2);
  std::memcpy(icmp + 6, &sequenceNet, 2);
  if (!payload.empty()) std::memcpy(icmp + 8, payload.data(), payload.size());
  const uint16_t checksum = htons(internetChecksum(icmp, 8 + payload.size()));
  std::memcpy(icmp + 2, &checksum, 2);
  writeIpv4Header(packet, 1, source, destination);
  return packet;
}

// Checksum of a TCP segment (header + data) over the IPv4 pseudo header; 0 means the segment is valid
// when its checksum field is included.
inline uint16_t tcpChecksum(const std::vector<uint8_t>& packet) {
  const std::size_t headerLength = (packet[0] & 0x0f) * 4;
  const std::size_t segmentLength = packet.size() - headerLength;
  uint32_t sum = 0;
  for (int i = 12; i < 20; i += 2) sum += (uint32_t(packet[i]) << 8) | packet[i + 1];
  sum += 6;
  sum += static_cast<uint32_t>(segmentLength);
  return internetChecksum(&packet[headerLength], segmentLength, sum);
}

struct TcpSegmentSpec {
  uint32_t source = 0, destination = 0;
  uint16_t sourcePort = 0, destinationPort = 0;
  uint32_t sequence = 0, acknowledgement = 0;
  uint8_t flags = 0;  // 0x02 SYN, 0x10 ACK, 0x04 RST, 0x01 FIN, 0x08 PSH
  uint16_t window = 65535;
  std::vector<uint8_t> options;  // already padded to a multiple of 4
  std::vector<uint8_t> data;
};

inline std::vector<uint8_t> tcpSegment(const TcpSegmentSpec& spec) {
  const std::size_t tcpHeader = 20 + spec.options.size();
  std::vector<uint8_t> packet(20 + tcpHeader + spec.data.size());
  uint8_t* tcp = &packet[20];
  const uint16_t sourcePort = htons(spec.sourcePort), destinationPort = htons(spec.destinationPort);
  const uint32_t sequence = htonl(spec.sequence), acknowledgement = htonl(spec.acknowledgement);
  const uint16_t window = htons(spec.window);
  std::memcpy(tcp, &sourcePort, 2);
  std::memcpy(tcp + 2, &destinationPort, 2);
  std::memcpy(tcp + 4, &sequence, 4);
  std::memcpy(tcp + 8, &acknowledgement, 4);
  tcp[12] = static_cast<uint8_t>((tcpHeader / 4) << 4);
  tcp[13] = spec.flags;
  std::memcpy(tcp + 14, &window, 2);
  if (!spec.options.empty()) std::memcpy(tcp + 20, spec.options.data(), spec.options.size());
  if (!spec.data.empty()) std::memcpy(tcp + tcpHeader, spec.data.data(), spec.data.size());
  writeIpv4Header(packet, 6, spec.source, spec.destination);
  const uint16_t checksum = htons(tcpChecksum(packet));
  std::memcpy(tcp + 16, &checksum, 2);
  return packet;
}

// TCP options carrying SACK blocks (RFC 2018, kind 5) as [left, right) sequence ranges, most recent first
// the way Linux orders them; two NOPs in front keep the option list a multiple of 4 bytes. At most 4
// blocks fit in a header without other options.
inline std::vector<uint8_t> sackOption(const std::vector<std::pair<uint32_t, uint32_t>>& blocks) {
  std::vector<uint8_t> options{1, 1, 5, static_cast<uint8_t>(2 + 8 * blocks.size())};
  for (const auto& [left, right] : blocks) {
    for (const uint32_t edge : {left, right}) {
      for (int shift = 24; shift >= 0; shift -= 8) options.push_back(static_cast<uint8_t>(edge >> shift));
    }
  }
  return options;
}

struct ParsedTcp {
  uint16_t sourcePort = 0, destinationPort = 0;
  uint32_t sequence = 0, acknowledgement = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  std::optional<uint16_t> mss;
  std::optional<uint8_t> windowScale;
  bool sackPermitted = false;
  std::vector<uint8_t> data;
};

inline std::optional<ParsedTcp> parseTcp(const std::vector<uint8_t>& packet) {
  if (packet.size() < 40 || (packet[0] >> 4) != 4 || packet[9] != 6) return std::nullopt;
  const std::size_t ipHeader = (packet[0] & 0x0f) * 4;
  const uint8_t* tcp = &packet[ipHeader];
  ParsedTcp parsed;
  parsed.sourcePort = static_cast<uint16_t>((tcp[0] << 8) | tcp[1]);
  parsed.destinationPort = static_cast<uint16_t>((tcp[2] << 8) | tcp[3]);
  parsed.sequence = (uint32_t(tcp[4]) << 24) | (uint32_t(tcp[5]) << 16) | (uint32_t(tcp[6]) << 8) | tcp[7];
  parsed.acknowledgement = (uint32_t(tcp[8]) << 24) | (uint32_t(tcp[9]) << 16) | (uint32_t(tcp[10]) << 8) | tcp[11];
  const std::size_t tcpHeader = (tcp[12] >> 4) * 4;
  parsed.flags = tcp[13];
  parsed.window = static_cast<uint16_t>((tcp[14] << 8) | tcp[15]);
  for (std::size_t i = 20; i < tcpHeader;) {
    const uint8_t kind = tcp[i];
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    const uint8_t length = tcp[i + 1];
    if (length < 2) break;
    if (kind == 2) parsed.mss = static_cast<uint16_t>((tcp[i + 2] << 8) | tcp[i + 3]);
    if (kind == 3) parsed.windowScale = tcp[i + 2];
    if (kind == 4) parsed.sackPermitted = true;
    i += length;
  }
  parsed.data.assign(packet.begin() + ipHeader + tcpHeader, packet.end());
  return parsed;
}

// An IPv6 SYN (with the given TCP options) from `source` to `destination`, both 16-byte addresses.
inline std::vector<uint8_t> tcpSyn6(const uint8_t* source, const uint8_t* destination, uint16_t sourcePort,
                                    uint16_t destinationPort, const std::vector<uint8_t>& options) {
  const std::size_t tcpLength = 20 + options.size();
  std::vector<uint8_t> packet(40 + tcpLength);
  packet[0] = 0x60;
  packet[4] = static_cast<uint8_t>(tcpLength >> 8);
  packet[5] = static_cast<uint8_t>(tcpLength & 0xff);
  packet[6] = 6;
  packet[7] = 64;
  std::memcpy(&packet[8], source, 16);
  std::memcpy(&packet[24], destination, 16);
  uint8_t* tcp = &packet[40];
  tcp[0] = static_cast<uint8_t>(sourcePort >> 8);
  tcp[1] = static_cast<uint8_t>(sourcePort & 0xff);
  tcp[2] = static_cast<uint8_t>(destinationPort >> 8);
  tcp[3] = static_cast<uint8_t>(destinationPort & 0xff);
  tcp[7] = 1;  // sequence number 1
  tcp[12] = static_cast<uint8_t>((tcpLength / 4) << 4);
  tcp[13] = 0x02;
  tcp[14] = tcp[15] = 0xff;
  if (!options.empty()) std::memcpy(tcp + 20, options.data(), options.size());
  uint32_t sum = 0;
  for (int i = 8; i < 40; i += 2) sum += (uint32_t(packet[i]) << 8) | packet[i + 1];
  sum += static_cast<uint32_t>(tcpLength) + 6;
  const uint16_t checksum = htons(internetChecksum(tcp, tcpLength, sum));
  std::memcpy(tcp + 16, &checksum, 2);
  return packet;
}

// The TCP checksum of an IPv6 packet (0 when valid) and the MSS option of its TCP header, if any.
inline uint16_t tcpChecksum6(const std::vector<uint8_t>& packet) {
  const std::size_t tcpLength = packet.size() - 40;
  uint32_t sum = 0;
  for (int i = 8; i < 40; i += 2) sum += (uint32_t(packet[i]) << 8) | packet[i + 1];
  sum += static_cast<uint32_t>(tcpLength) + 6;
  return internetChecksum(&packet[40], tcpLength, sum);
}

}  // namespace nefia::forwarder::testing
