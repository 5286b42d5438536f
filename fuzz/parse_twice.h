// For fuzz targets: run a parser twice on the same bytes and abort unless it answers the same (a value both
// times, or the same non-empty error), so nondeterminism and empty error texts count as findings.
#pragma once

#include <cstdlib>
#include <string_view>

namespace nefia::fuzz {

template <typename Parser>
void parseTwice(Parser parser, std::string_view body) {
  const auto first = parser(body);
  const auto second = parser(body);
  if (first.ok() != second.ok()) std::abort();
  if (!first.ok() && (first.error().empty() || first.error() != second.error())) std::abort();
}

}  // namespace nefia::fuzz
