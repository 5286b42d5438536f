// Runs a blocking probe (statvfs, a D-Bus query) in a forked child that can be abandoned: the worker's
// loop never blocks, a timeout is reported at once, and a key whose previous child still hangs in the
// kernel (a dead NFS or FUSE mount) is not probed again until that child is gone.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "workers/beacons/child_reaper.h"
#include "workers/beacons/scheduler.h"

namespace nefia::beacons {

inline constexpr std::size_t kProbeOutputCapBytes = 16 * 1024;

enum class ProbeEnd { kAnswered, kTimedOut, kStillHung, kNotStarted };

struct ProbeOutcome {
  ProbeEnd end = ProbeEnd::kNotStarted;
  std::string output;  // what the child wrote to its stdout (at most kProbeOutputCapBytes)
  std::string error;   // kNotStarted: why
};

class ProbeRunner {
 public:
  // Runs in the child with stdout being the answer pipe; its return value is the child's exit code.
  using Body = std::function<int()>;
  using Done = std::function<void(ProbeOutcome)>;

  ProbeRunner(uv_loop_t* loop, ChildReaper& reaper);
  ~ProbeRunner();
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  // `done` is called exactly once from the loop.
  void start(const std::string& key, Duration timeout, Body body, Done done);
  bool hung(const std::string& key) const { return hung_.contains(key); }
  std::size_t running() const { return probes_.size(); }

  class Probe;  // probe_runner.cc

 private:
  friend class Probe;
  void finish(Probe* probe, ProbeOutcome outcome);
  void later(Done done, ProbeOutcome outcome);

  uv_loop_t* loop_;
  ChildReaper& reaper_;
  std::map<Probe*, std::unique_ptr<Probe>> probes_;
  std::map<std::string, pid_t> hung_;  // abandoned children, until reaped
};

}  // namespace nefia::beacons
