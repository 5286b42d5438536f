// ChildReaper (child_reaper.h): one SIGCHLD handle, a waitpid loop, exit callbacks by pid.
// Callbacks may start new children or forget others: the loop re-reads the map after each call.
#include "workers/beacons/child_reaper.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "common/panic.h"

namespace nefia::beacons {

namespace {
int gReapers = 0;
}  // namespace

ChildReaper::ChildReaper(uv_loop_t* loop) : signal_(new uv_signal_t) {
  check(++gReapers == 1, "a second ChildReaper in one process");
  uv_signal_init(loop, signal_);
  signal_->data = this;
  uv_signal_start(
      signal_, [](uv_signal_t* handle, int) { static_cast<ChildReaper*>(handle->data)->reapExited(); }, SIGCHLD);
  uv_unref(reinterpret_cast<uv_handle_t*>(signal_));  // reaping alone must not keep the loop alive
}

ChildReaper::~ChildReaper() {
  --gReapers;
  signal_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(signal_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_signal_t*>(handle); });
}

bool ChildReaper::becomeSubreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

void ChildReaper::watch(pid_t pid, ExitCallback onExit) { watched_[pid] = std::move(onExit); }

std::set<pid_t> ChildReaper::watchedPids() const {
  std::set<pid_t> pids;
  for (const auto& [pid, callback] : watched_) pids.insert(pid);
  return pids;
}

void ChildReaper::reapExited() {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    auto found = watched_.find(pid);
    if (found == watched_.end()) continue;
    ExitCallback callback = std::move(found->second);
    watched_.erase(found);
    callback(status);
  }
}

}  // namespace nefia::beacons
