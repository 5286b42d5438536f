// nefia_internet_checksum: the one's-complement sum lwIP needs for outbound checksums, computed with four
// 64-bit accumulators of 32-bit words (no carry handling in the loop: 2^32 words cannot overflow them).
#include "workers/forwarder/internet_checksum.h"

#include <cstdint>
#include <cstring>

namespace {

uint32_t load32(const unsigned char* bytes) {
  uint32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// Folds a sum of 32-bit words in memory order to the 16-bit one's-complement sum in memory order.
uint16_t fold(uint64_t sum) {
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  uint32_t folded = static_cast<uint32_t>(sum);
  folded = (folded & 0xffffu) + (folded >> 16);
  folded = (folded & 0xffffu) + (folded >> 16);
  return static_cast<uint16_t>(folded);
}

}  // namespace

extern "C" unsigned short nefia_internet_checksum(const void* data, int length) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::size_t remaining = length > 0 ? static_cast<std::size_t>(length) : 0;
  uint64_t sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
  while (remaining >= 16) {
    sum0 += load32(bytes);
    sum1 += load32(bytes + 4);
    sum2 += load32(bytes + 8);
    sum3 += load32(bytes + 12);
    bytes += 16;
    remaining -= 16;
  }
  uint64_t sum = sum0 + sum1 + sum2 + sum3;
  while (remaining >= 4) {
    sum += load32(bytes);
    bytes += 4;
    remaining -= 4;
  }
  if (remaining >= 2) {
    uint16_t half;
    std::memcpy(&half, bytes, sizeof half);
    sum += half;
    bytes += 2;
    remaining -= 2;
  }
  if (remaining == 1) {
    // The last odd byte is the first byte of a zero-padded 16-bit word, in memory order.
    uint16_t padded = 0;
    std::memcpy(&padded, bytes, 1);
    sum += padded;
  }
  return fold(sum);
}
