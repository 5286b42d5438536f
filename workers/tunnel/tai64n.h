// TAI64N timestamps carried (encrypted) in handshake initiations; a responder accepts an initiation only
// when its timestamp is newer than the last one from that peer. Never built from the monotonic clock.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace nefia::wg {

inline constexpr std::size_t kTimestampSize = 12;

class Tai64n {
 public:
  Tai64n() { bytes_.fill(0); }
  // Seconds are offset by 2^62 + 10 (TAI); nanoseconds are rounded down to ~16 ms so that the exact time a key
  // was used does not leak (as wireguard-go does).
  static Tai64n fromWallClock(std::chrono::system_clock::time_point time);
  static Tai64n fromBytes(const uint8_t* bytes12);

  const std::array<uint8_t, kTimestampSize>& bytes() const { return bytes_; }
  bool isNewerThan(const Tai64n& other) const;  // big-endian byte order equals time order

 private:
  std::array<uint8_t, kTimestampSize> bytes_;
};

}  // namespace nefia::wg
