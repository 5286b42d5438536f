// Which processes belong to a script run, read from /proc: its session, its descendants, and the
// orphans adopted by the worker (a child subreaper) that left every live run's session with setsid.
#pragma once

#include <sys/types.h>

#include <set>
#include <string_view>
#include <vector>

namespace nefia::beacons {

struct ProcessEntry {
  pid_t pid = 0;
  pid_t parent = 0;
  pid_t session = 0;
};

// Every process /proc shows (entries that vanish while reading are skipped).
std::vector<ProcessEntry> listProcesses();
// One /proc/PID/stat line; false when it is not one (the comm field may hold spaces and parentheses).
bool parseProcStat(std::string_view line, ProcessEntry& entry);

// The processes to signal when the run whose root (and session leader) is `root` ends: members of its
// session, descendants of root, and the worker's adopted children (`self` is their parent) that are not
// the root of a live run and not in a live run's session, with their descendants. Never `self`.
std::vector<pid_t> runProcesses(const std::vector<ProcessEntry>& processes, pid_t root, pid_t self,
                                const std::set<pid_t>& liveRunRoots);

}  // namespace nefia::beacons
