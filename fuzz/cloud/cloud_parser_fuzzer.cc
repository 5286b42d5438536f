// One nefia-cloud body parser (CLOUD_PARSER, set per target) on arbitrary bytes: a value or an error, never a
// crash, a hang or an exception; an accepted body parses again to the same result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "operator/cloud/request_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto first = nefia::cloud::CLOUD_PARSER(body);
  const auto second = nefia::cloud::CLOUD_PARSER(body);
  if (first.ok() != second.ok()) std::abort();
  if (!first.ok() && first.error() != second.error()) std::abort();
  if (!first.ok() && first.error().empty()) std::abort();
  return 0;
}
