// libFuzzer target for the WireGuard transport message (type 4, >= 32 bytes) header parser and the device's
// receive path. Must never be linked into the agent.
#include "fuzz/tunnel/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace nefia::wg;
  const std::span<const uint8_t> input(data, size);
  if (const std::optional<TransportHeader> header = parseTransportHeader(input)) {
    if (size < kMessageTransportMinSize) __builtin_trap();
    std::array<uint8_t, kMessageTransportHeaderSize> wire{};
    serialize(*header, wire);
    if (std::memcmp(wire.data(), data, kMessageTransportHeaderSize) != 0) __builtin_trap();
  }
  std::vector<uint8_t> copy(data, data + size);
  fuzzing::fuzzDevice().receiveDatagram(*UdpEndpoint::parse("192.0.2.9:4000"), copy);
  return 0;
}
