// panic(): our own broken invariant (never bad input, never a worker's misbehaviour) stops the process with
// one line on stderr that says what broke and where. check() is panic() unless the condition holds.
#pragma once

#include <source_location>
#include <string_view>

namespace nefia {

// Prints "nefia-agent: internal error: MESSAGE (file:line)" to stderr, then aborts. Safe before logging is set
// up and inside a sandboxed worker (stderr is one of the fds every process keeps).
[[noreturn]] void panic(std::string_view message, std::source_location where = std::source_location::current());

inline void check(bool condition, std::string_view message,
                  std::source_location where = std::source_location::current()) {
  if (!condition) panic(message, where);
}

}  // namespace nefia
