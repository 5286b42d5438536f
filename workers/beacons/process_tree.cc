// /proc walking for process_tree.h: parse stat lines, then pick a run's processes by session and lineage.
// Reads only /proc (readable under the beacons sandbox); never signals anything itself.
#include "workers/beacons/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <map>
#include <string>

namespace nefia::beacons {
namespace {

bool readField(std::string_view& rest, long& value) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (error != std::errc()) return false;
  rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
  return true;
}

}  // namespace

bool parseProcStat(std::string_view line, ProcessEntry& entry) {
  // "pid (comm) state ppid pgrp session ...": comm may contain anything, so split at the last ')'.
  const std::size_t close = line.rfind(')');
  if (close == std::string_view::npos) return false;
  long pid = 0;
  std::string_view head = line.substr(0, line.find(' '));
  if (!readField(head, pid)) return false;
  std::string_view rest = line.substr(close + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return false;
  rest.remove_prefix(1);  // the state letter
  long parent = 0, group = 0, session = 0;
  if (!readField(rest, parent) || !readField(rest, group) || !readField(rest, session)) return false;
  entry = ProcessEntry{static_cast<pid_t>(pid), static_cast<pid_t>(parent), static_cast<pid_t>(session)};
  return true;
}

std::vector<ProcessEntry> listProcesses() {
  std::vector<ProcessEntry> processes;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return processes;
  while (dirent* item = ::readdir(proc)) {
    if (item->d_name[0] < '1' || item->d_name[0] > '9') continue;
    const std::string path = std::string("/proc/") + item->d_name + "/stat";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buffer[512];
    const ssize_t got = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    ProcessEntry entry;
    if (got > 0 && parseProcStat(std::string_view(buffer, static_cast<std::size_t>(got)), entry)) {
      processes.push_back(entry);
    }
  }
  ::closedir(proc);
  return processes;
}

std::vector<pid_t> runProcesses(const std::vector<ProcessEntry>& processes, pid_t root, pid_t self,
                                const std::set<pid_t>& liveRunRoots) {
  std::set<pid_t> liveSessions;
  for (const ProcessEntry& process : processes) {
    if (liveRunRoots.contains(process.pid)) liveSessions.insert(process.session);
  }
  liveSessions.erase(root);
  std::multimap<pid_t, pid_t> children;
  for (const ProcessEntry& process : processes) children.emplace(process.parent, process.pid);

  std::set<pid_t> picked;
  std::vector<pid_t> frontier;
  for (const ProcessEntry& process : processes) {
    if (process.pid == self) continue;
    const bool ofThisRun = process.session == root || process.pid == root;
    const bool strayOrphan = process.parent == self && !liveRunRoots.contains(process.pid) &&
                             !liveSessions.contains(process.session);
    if (ofThisRun || strayOrphan) frontier.push_back(process.pid);
  }
  while (!frontier.empty()) {
    const pid_t pid = frontier.back();
    frontier.pop_back();
    if (pid == self || !picked.insert(pid).second) continue;
    auto [first, last] = children.equal_range(pid);
    for (auto it = first; it != last; ++it) frontier.push_back(it->second);
  }
  return {picked.begin(), picked.end()};
}

}  // namespace nefia::beacons
