// The agent's parsers of nefia-cloud's answers on arbitrary bytes: the first byte picks the parser, the rest is
// the body. Each must return a value or a non-empty error, never crash or throw, and answer the same twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz/parse_twice.h"
#include "workers/updater/cloud_answers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace nefia::updater;
  using nefia::fuzz::parseTwice;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: parseTwice(parseAgentTokenAnswer, body); break;
    case 1: parseTwice(parseEndpointReportAnswer, body); break;
    default: {
      const std::string text = describeCloudError(400, body);
      if (text.size() > 400 || text != describeCloudError(400, body)) std::abort();
      for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) std::abort();  // printable: no control character survives
      }
      break;
    }
  }
  return 0;
}
