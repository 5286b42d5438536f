// Fixed-size byte arrays for key material that are wiped (sodium_memzero) on destruction and move.
// Never log, print or serialise one of these outside the IPC message that carries it.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace nefia {

template <std::size_t N>
class SecureBytes {
 public:
  SecureBytes() { bytes_.fill(0); }
  SecureBytes(const SecureBytes& other) : bytes_(other.bytes_) {}
  SecureBytes& operator=(const SecureBytes& other) {
    bytes_ = other.bytes_;
    return *this;
  }
  ~SecureBytes() { wipe(); }

  void wipe() { sodium_memzero(bytes_.data(), bytes_.size()); }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  uint8_t& operator[](std::size_t index) { return bytes_[index]; }
  const uint8_t& operator[](std::size_t index) const { return bytes_[index]; }
  bool isZero() const { return sodium_is_zero(bytes_.data(), N) == 1; }
  bool equals(const SecureBytes& other) const { return sodium_memcmp(bytes_.data(), other.bytes_.data(), N) == 0; }

 private:
  std::array<uint8_t, N> bytes_;
};

using Key32 = SecureBytes<32>;

}  // namespace nefia
