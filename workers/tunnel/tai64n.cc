// TAI64N encoding: 8-byte big-endian seconds (2^62 + 10 + Unix time) then 4-byte big-endian nanoseconds.
// Must stay byte-compatible with wireguard-go, which compares these bytes lexicographically.
#include "workers/tunnel/tai64n.h"

#include <cstring>

namespace nefia::wg {
namespace {
constexpr uint64_t kTaiBase = 0x400000000000000aULL;
constexpr uint32_t kWhitenerMask = 0x1000000 - 1;
}  // namespace

Tai64n Tai64n::fromWallClock(std::chrono::system_clock::time_point time) {
  const auto sinceEpoch = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(sinceEpoch);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(sinceEpoch - seconds).count();
  const uint64_t taiSeconds = kTaiBase + static_cast<uint64_t>(seconds.count());
  const uint32_t whitenedNanos = static_cast<uint32_t>(nanos) & ~kWhitenerMask;
  Tai64n stamp;
  for (int i = 0; i < 8; ++i) stamp.bytes_[i] = static_cast<uint8_t>(taiSeconds >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) stamp.bytes_[8 + i] = static_cast<uint8_t>(whitenedNanos >> (24 - 8 * i));
  return stamp;
}

Tai64n Tai64n::fromBytes(const uint8_t* bytes12) {
  Tai64n stamp;
  std::memcpy(stamp.bytes_.data(), bytes12, kTimestampSize);
  return stamp;
}

bool Tai64n::isNewerThan(const Tai64n& other) const {
  return std::memcmp(bytes_.data(), other.bytes_.data(), kTimestampSize) > 0;
}

}  // namespace nefia::wg
