// How deeply a JSON text nests brackets, counted before it is parsed, so a hostile body cannot drive the
// parser's recursion; reads the text once and never allocates.
#pragma once

#include <cstddef>
#include <string_view>

namespace nefia {

// True when brackets outside strings nest deeper than `limit` (it stops counting there).
bool jsonNestsDeeperThan(std::string_view text, std::size_t limit);

}  // namespace nefia
