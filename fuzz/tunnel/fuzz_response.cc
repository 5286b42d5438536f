// libFuzzer target for the WireGuard handshake response (type 2, 92 bytes) parser and the device's handling of it.
// Must never be linked into the agent.
#include "fuzz/tunnel/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace nefia::wg;
  fuzzing::fuzzMessage<MessageResponse, kMessageResponseSize>(data, size, [](std::span<const uint8_t> input) { return parseResponse(input); });
  return 0;
}
