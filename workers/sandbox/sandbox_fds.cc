// Sandbox step 1: close every inherited descriptor except the fixed ones (common/worker_fd_layout.h),
// so nothing the supervisor or a service manager leaked is reachable. Never closes a kept fd.
#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "workers/sandbox/sandbox_steps.h"

namespace nefia::sandbox::detail {

namespace {

// Fallback for kernels before 5.9: the fds listed in /proc/self/fd (read completely before closing).
Status closeListedFds(const std::vector<int>& keep) {
  DIR* directory = opendir("/proc/self/fd");
  if (directory == nullptr) {
    return makeError(std::string("close_range() is not available and /proc/self/fd cannot be listed: ") +
                     std::strerror(errno) + "; mount /proc or run a kernel >= 5.9");
  }
  const int ownFd = dirfd(directory);
  std::vector<int> open;
  while (const dirent* entry = readdir(directory)) {
    if (entry->d_name[0] == '.') continue;
    const long fd = std::strtol(entry->d_name, nullptr, 10);
    if (fd != ownFd && fd >= 0 && fd <= INT_MAX) open.push_back(static_cast<int>(fd));
  }
  closedir(directory);
  for (int fd : open) {
    if (!std::binary_search(keep.begin(), keep.end(), fd)) close(fd);
  }
  return Status::success();
}

}  // namespace

Status closeFdsExcept(const std::vector<int>& keepFds) {
  std::vector<int> keep;
  for (int fd : keepFds) {
    if (fd >= 0) keep.push_back(fd);
  }
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());

  // Close the gaps between kept fds, then everything above the last one.
  unsigned int first = 0;
  std::vector<std::pair<unsigned int, unsigned int>> ranges;
  for (int fd : keep) {
    if (static_cast<unsigned int>(fd) > first) ranges.emplace_back(first, static_cast<unsigned int>(fd) - 1);
    first = static_cast<unsigned int>(fd) + 1;
  }
  ranges.emplace_back(first, UINT_MAX);
  for (const auto& [low, high] : ranges) {
    if (syscall(SYS_close_range, low, high, 0) != 0) {
      if (errno == ENOSYS) return closeListedFds(keep);
      return makeError(std::string("close_range(") + std::to_string(low) + ", " + std::to_string(high) +
                       ") failed: " + std::strerror(errno));
    }
  }
  return Status::success();
}

}  // namespace nefia::sandbox::detail
