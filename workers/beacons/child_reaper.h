// Reaps every child of the beacons worker from its libuv loop (SIGCHLD, waitpid(-1, WNOHANG)) and tells
// whoever registered a pid how it ended. Orphans adopted as child subreaper are reaped and forgotten.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <map>
#include <set>

namespace nefia::beacons {

// At most one per process (it reaps every child; a second one would steal the first's exits): the
// constructor aborts when another one exists.
class ChildReaper {
 public:
  using ExitCallback = std::function<void(int waitStatus)>;

  explicit ChildReaper(uv_loop_t* loop);
  ~ChildReaper();
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  // Becomes the child subreaper (PR_SET_CHILD_SUBREAPER): processes that leave a run are adopted by the
  // worker, not by init, so they can still be found and killed. False when the kernel refused.
  static bool becomeSubreaper();

  // Calls `onExit` once when `pid` is reaped. Register right after fork, before the loop runs again.
  void watch(pid_t pid, ExitCallback onExit);
  // Stops telling anyone about `pid` (an abandoned child is still reaped, silently).
  void forget(pid_t pid) { watched_.erase(pid); }
  bool watching(pid_t pid) const { return watched_.contains(pid); }
  // Every pid someone waits for (roots of script runs and probe children): never strays to kill.
  std::set<pid_t> watchedPids() const;
  // Reaps what has exited now; the SIGCHLD handler calls it, tests may too.
  void reapExited();

 private:
  uv_signal_t* signal_;
  std::map<pid_t, ExitCallback> watched_;
};

}  // namespace nefia::beacons
