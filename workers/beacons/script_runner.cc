// ScriptRunner (script_runner.h): outcome mapping, and killing every process of a run (session, lineage,
// setsid escapees adopted by the subreaper) with SIGTERM, then SIGKILL kKillGrace later.
#include "workers/beacons/script_runner.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "workers/beacons/process_tree.h"

namespace nefia::beacons {
namespace {

// A SIGKILL pass is repeated a few times: a process may fork between the listing and the kill.
constexpr int kKillPasses = 5;

void signalRun(pid_t root, int signal, const std::set<pid_t>& liveRoots) {
  (void)::kill(-root, signal);  // the run's process group in one atomic call (a fork bomb's too)
  for (pid_t pid : runProcesses(listProcesses(), root, ::getpid(), liveRoots)) (void)::kill(pid, signal);
}

}  // namespace

std::string signalName(int signal) {
  const char* abbreviation = ::sigabbrev_np(signal);
  if (abbreviation == nullptr) return "signal " + std::to_string(signal);
  return std::string("SIG") + abbreviation;
}

Observation observationFor(const ScriptJob& job, const ScriptOutcome& outcome) {
  Observation observation;
  observation.kind = ipc::BeaconKind::kScript;
  observation.name = job.name;
  observation.message = outcome.output;
  switch (outcome.end) {
    case ScriptEnd::kExited:
      observation.value = outcome.exitCode;
      observation.state = outcome.exitCode == 0   ? ipc::BeaconState::kOk
                          : outcome.exitCode == 1 ? ipc::BeaconState::kWarning
                                                  : ipc::BeaconState::kCritical;
      break;
    case ScriptEnd::kSignaled:
      observation.state = ipc::BeaconState::kCritical;
      observation.reason = "signal";
      observation.value = signalName(outcome.signal);
      observation.message = "killed by " + signalName(outcome.signal) + (outcome.output.empty() ? "" : ": ") +
                            outcome.output;
      break;
    case ScriptEnd::kTimedOut: {
      const auto seconds = std::chrono::duration<double>(job.timeout).count();
      observation.state = ipc::BeaconState::kCritical;
      observation.reason = "timeout";
      char text[64];
      std::snprintf(text, sizeof text, "timed out after %g s", seconds);
      observation.message = text + std::string(outcome.output.empty() ? "" : ": ") + outcome.output;
      break;
    }
    case ScriptEnd::kNotStarted:
      observation.state = ipc::BeaconState::kUnknown;
      observation.reason = "not_started";
      observation.message = outcome.error;
      break;
  }
  return observation;
}


std::set<pid_t> ScriptRunner::liveRoots() const { return reaper_.watchedPids(); }

void ScriptRunner::terminate(pid_t root, bool now) {
  if (now) {
    for (int pass = 0; pass < kKillPasses; ++pass) signalRun(root, SIGKILL, liveRoots());
    return;
  }
  signalRun(root, SIGTERM, liveRoots());
  auto* timer = new uv_timer_t;
  uv_timer_init(loop_, timer);
  timer->data = this;
  pendingKills_[timer] = root;
  uv_timer_start(timer, [](uv_timer_t* handle) {
    auto* runner = static_cast<ScriptRunner*>(handle->data);
    const pid_t target = runner->pendingKills_[handle];
    runner->pendingKills_.erase(handle);
    runner->terminate(target, /*now=*/true);
    uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }, static_cast<uint64_t>(kKillGrace.count()), 0);
}

}  // namespace nefia::beacons
