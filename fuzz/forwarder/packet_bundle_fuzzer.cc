// libFuzzer target: the packet socketpair's framing (packet_bundle.h) as both workers read it from their peer.
// Every delivered packet must lie inside the message, be non-empty and within the MTU, and the walk must
// account for every byte (delivered + length prefixes + unusable rest).
#include <cstddef>
#include <cstdint>
#include <span>

#include "workers/forwarder/constants.h"
#include "workers/packet_link/packet_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nefia::forwarder;
  const std::span<const uint8_t> message(data, size);
  std::size_t delivered = 0;
  std::size_t packets = 0;
  const std::size_t unusable = forEachPacket(message, kDefaultMtu, [&](std::span<const uint8_t> packet) {
    if (packet.empty() || packet.size() > kDefaultMtu) __builtin_trap();
    if (packet.data() < data || packet.data() + packet.size() > data + size) __builtin_trap();
    delivered += packet.size();
    ++packets;
    return true;
  });
  const std::size_t prefixes = isBundle(message) ? packets * kBundleLengthBytes : 0;
  if (delivered + prefixes + unusable != size) __builtin_trap();
  return 0;
}
