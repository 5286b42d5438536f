// Per-process figures for the health report, read from /proc/PID/status: resident memory and threads.
// Read-only and best effort: a process that just exited gives zeros, never an error.
#pragma once

#include <cstdint>

namespace nefia::supervisor {

struct ProcessStats {
  uint64_t rssKib = 0;
  uint64_t threads = 0;
};

ProcessStats readProcessStats(int pid);

}  // namespace nefia::supervisor
