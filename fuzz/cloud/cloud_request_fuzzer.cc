// Every nefia-cloud body parser on arbitrary bytes: the first byte picks the endpoint's parser, the rest is the
// body. Each must return a value or a non-empty error, never crash, hang or throw, and answer the same twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz/parse_twice.h"
#include "operator/cloud/request_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace nefia::cloud;
  using nefia::fuzz::parseTwice;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 7) {
    case 0: parseTwice(parseCreateSession, body); break;
    case 1: parseTwice(parseAgentSubmission, body); break;
    case 2: parseTwice(parseExchange, body); break;
    case 3: parseTwice(parseRegister, body); break;
    case 4: parseTwice(parseAnswer, body); break;
    case 5: parseTwice(parseRotate, body); break;
    default: parseTwice(parseEndpointReport, body); break;
  }
  return 0;
}
