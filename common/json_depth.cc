// jsonNestsDeeperThan (json_depth.h): one pass over the text, strings and their escapes skipped.
// Never allocates and never reads past the view.
#include "common/json_depth.h"

namespace nefia {

bool jsonNestsDeeperThan(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool inString = false;
  bool escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') inString = true;
    else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if ((c == '}' || c == ']') && depth > 0) --depth;
  }
  return false;
}

}  // namespace nefia
