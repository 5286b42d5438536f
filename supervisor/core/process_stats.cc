// readProcessStats: VmRSS and Threads from /proc/PID/status (Linux); zeros elsewhere or on failure.
// Never throws and never blocks on anything but procfs.
#include "supervisor/core/process_stats.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace nefia::supervisor {

ProcessStats readProcessStats(int pid) {
  ProcessStats stats;
  if (pid <= 0) return stats;
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* file = std::fopen(path.c_str(), "re");
  if (file == nullptr) return stats;
  char line[256];
  while (std::fgets(line, sizeof line, file) != nullptr) {
    unsigned long long value = 0;
    if (std::sscanf(line, "VmRSS: %llu kB", &value) == 1) stats.rssKib = value;
    if (std::sscanf(line, "Threads: %llu", &value) == 1) stats.threads = value;
  }
  std::fclose(file);
  return stats;
}

}  // namespace nefia::supervisor
