// panic(): our own broken invariant (never bad input, never a worker's misbehaviour) stops the process with
// one line on stderr that says what broke and where. check() is panic() unless the condition holds.
#pragma once

#include <string_view>

namespace nefia {

// The caller's place comes from __builtin_FILE/__builtin_LINE as default arguments (evaluated at the call
// site in gcc and clang), not std::source_location: clang 14, which builds the fuzzers, cannot compile
// libstdc++ 12's <source_location>.

// Prints "nefia-agent: internal error: MESSAGE (file:line)" to stderr, then aborts. Safe before logging is set
// up and inside a sandboxed worker (stderr is one of the fds every process keeps).
[[noreturn]] void panic(std::string_view message, const char* file = __builtin_FILE(),
                        unsigned line = __builtin_LINE());

inline void check(bool condition, std::string_view message, const char* file = __builtin_FILE(),
                  unsigned line = __builtin_LINE()) {
  if (!condition) panic(message, file, line);
}

}  // namespace nefia
