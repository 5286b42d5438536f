// panic(): one formatted line on stderr, then abort(). Allocates nothing, so it works in any state.
// Never call it for input from outside or from a worker: those are returned errors and restarts.
#include "common/panic.h"

#include <cstdio>
#include <cstdlib>

namespace nefia {

void panic(std::string_view message, const char* file, unsigned line) {
  std::fprintf(stderr, "nefia-agent: internal error: %.*s (%s:%u)\n", static_cast<int>(message.size()),
               message.data(), file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace nefia
