// Runs beacon scripts as `/bin/sh -c COMMAND` from the worker's libuv loop, never blocking it: each run in
// its own session, rlimits, no inherited fds, a private scratch dir, the first kOutputCapBytes of stdout and
// stderr kept (the rest drained and dropped), a timeout that kills every process of the run.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "workers/beacons/child_reaper.h"
#include "workers/beacons/scheduler.h"
#include "workers/beacons/state_tracker.h"

namespace nefia::beacons {

inline constexpr std::size_t kOutputCapBytes = 4096;
// After SIGTERM, the processes of a run that still live get SIGKILL this much later.
inline constexpr Duration kKillGrace{2000};
// A run whose root process did not end this long after SIGKILL (stuck in the kernel) is reported and abandoned.
inline constexpr Duration kAbandonAfterKill{1000};
// After the root exits, output still in flight is awaited this long (a daemonized child may hold the pipe).
inline constexpr Duration kOutputGrace{200};

struct ScriptLimits {  // per run (RLIMIT_NPROC counts every process of the worker's user)
  rlim_t addressSpaceBytes = rlim_t{1} << 30;
  rlim_t openFiles = 64;
  rlim_t processes = 64;
  // RLIMIT_CPU is the run's timeout rounded up plus one second.
};

struct ScriptJob {
  std::string name;
  std::string command;
  Duration timeout{60000};
  std::string scratchDir;  // exists and is writable; becomes cwd, HOME and TMPDIR
};

enum class ScriptEnd { kExited, kSignaled, kTimedOut, kNotStarted };

struct ScriptOutcome {
  ScriptEnd end = ScriptEnd::kNotStarted;
  int exitCode = 0;  // kExited
  int signal = 0;    // kSignaled
  std::string output;  // the first kOutputCapBytes of stdout+stderr, raw bytes
  uint64_t outputBytes = 0;  // everything the run wrote
  std::string error;  // kNotStarted: why
  Duration elapsed{0};
};

// exit 0 ok, 1 warning, 2+ critical (value: the exit code); a signal: critical naming it; a timeout:
// critical with reason "timeout"; not started: unknown.
Observation observationFor(const ScriptJob& job, const ScriptOutcome& outcome);
// "SIGSEGV", or "signal 99" for a number without a name.
std::string signalName(int signal);

class ScriptRunner {
 public:
  using Done = std::function<void(ScriptOutcome)>;
  ScriptRunner(uv_loop_t* loop, ChildReaper& reaper, ScriptLimits limits = {});
  ~ScriptRunner();
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  // Starts the run; `done` is called exactly once from the loop (also when the run could not start).
  void start(const ScriptJob& job, Done done);
  std::size_t running() const { return runs_.size(); }
  // Kills every run now (SIGKILL) without reporting: the worker is stopping.
  void killAll();

  class Run;  // script_run.cc

 private:
  friend class Run;
  void finish(pid_t root);
  // SIGTERM (or SIGKILL) every process of the run rooted at `root`, and SIGKILL the survivors kKillGrace later.
  void terminate(pid_t root, bool now);
  std::set<pid_t> liveRoots() const;

  uv_loop_t* loop_;
  ChildReaper& reaper_;
  ScriptLimits limits_;
  std::map<pid_t, std::unique_ptr<Run>> runs_;
  std::map<uv_timer_t*, pid_t> pendingKills_;  // SIGKILL passes due kKillGrace after a SIGTERM
};

}  // namespace nefia::beacons
