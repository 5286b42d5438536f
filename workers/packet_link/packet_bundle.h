// Framing of the packet socketpair between the tunnel and forwarder workers: one SOCK_SEQPACKET message holds
// either one bare IP packet or a bundle of several, each behind a 2-byte big-endian length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace nefia::forwarder {

// Each message costs the kernel an allocation, a copy and a wake-up of the reader; bundling the packets of one
// flush cuts that per-packet cost (sendmmsg on the pair took 44% of the forwarder's CPU in a download).
// A bundle never exceeds this many bytes, nor this many packets.
inline constexpr std::size_t kMaxBundleBytes = 16 * 1024;
inline constexpr std::size_t kMaxBundlePackets = 64;
inline constexpr std::size_t kBundleLengthBytes = 2;
// Longest packet a bundle can carry: its length prefix must never look like an IP version nibble.
inline constexpr std::size_t kMaxBundledPacketBytes = 0x3fff;

// A bare packet starts with IP version 4 or 6 in its first nibble; a bundle starts with a length prefix of at
// most 0x3fff, whose first nibble is 0 to 3. So the first byte tells them apart.
inline bool isBundle(std::span<const uint8_t> message) {
  if (message.empty()) return false;
  const uint8_t version = message[0] >> 4;
  return version != 4 && version != 6;
}

inline void writeBundleLength(uint8_t* out, std::size_t length) {
  out[0] = static_cast<uint8_t>(length >> 8);
  out[1] = static_cast<uint8_t>(length & 0xff);
}

// Calls onPacket(span) for every packet of a received message (bare or bundle) in order, while it returns true.
// An entry that is empty, longer than maxPacketBytes or than what is left ends the walk: the rest of the message
// is not trusted. Returns the number of bytes that could not be used (0 for a well-formed message, or when
// onPacket asked to stop).
template <typename OnPacket>
std::size_t forEachPacket(std::span<const uint8_t> message, std::size_t maxPacketBytes, OnPacket&& onPacket) {
  if (message.empty()) return 0;
  if (!isBundle(message)) {
    if (message.size() > maxPacketBytes) return message.size();
    onPacket(message);
    return 0;
  }
  std::size_t offset = 0;
  while (offset < message.size()) {
    if (message.size() - offset < kBundleLengthBytes) return message.size() - offset;
    const std::size_t length = (static_cast<std::size_t>(message[offset]) << 8) | message[offset + 1];
    const std::size_t start = offset + kBundleLengthBytes;
    if (length == 0 || length > maxPacketBytes || length > message.size() - start) return message.size() - offset;
    if (!onPacket(message.subspan(start, length))) return 0;
    offset = start + length;
  }
  return 0;
}

}  // namespace nefia::forwarder
