// One script run (ScriptRunner::Run): its output pipe, its timeout, its exit, and the moment it is done
// (root reaped and output at EOF, or the output grace over, or abandoned after SIGKILL).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workers/beacons/script_runner.h"
#include "workers/beacons/script_spawn.h"

namespace nefia::beacons {
namespace {

template <typename Handle>
void closeAndDelete(Handle* handle) {
  if (handle == nullptr) return;
  handle->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* closed) { delete reinterpret_cast<Handle*>(closed); });
}

// Every run reads into this one buffer: draining 1 GiB costs no memory beyond kOutputCapBytes per run.
char gReadBuffer[64 * 1024];

}  // namespace

class ScriptRunner::Run {
 public:
  Run(ScriptRunner& runner, ScriptJob job, Done done, SpawnedScript spawned)
      : runner_(runner), job_(std::move(job)), done_(std::move(done)), pid_(spawned.pid), started_(Clock::now()) {
    pipe_ = new uv_pipe_t;
    uv_pipe_init(runner_.loop_, pipe_, 0);
    uv_pipe_open(pipe_, spawned.outputFd);
    pipe_->data = this;
    uv_read_start(reinterpret_cast<uv_stream_t*>(pipe_),
                  [](uv_handle_t*, size_t, uv_buf_t* buffer) { *buffer = uv_buf_init(gReadBuffer, sizeof gReadBuffer); },
                  [](uv_stream_t* stream, ssize_t got, const uv_buf_t* buffer) {
                    if (stream->data != nullptr) static_cast<Run*>(stream->data)->onOutput(got, buffer);
                  });
    timer_ = new uv_timer_t;
    uv_timer_init(runner_.loop_, timer_);
    timer_->data = this;
    arm(job_.timeout, &Run::onTimeout);
  }
  ~Run() {
    closeAndDelete(pipe_);
    closeAndDelete(timer_);
  }

  void onExit(int status) {
    exited_ = true;
    status_ = status;
    // Whatever the run left behind (a daemon, a background job) dies with it.
    if (!timedOut_) runner_.terminate(pid_, /*now=*/false);
    if (eof_) return complete();
    arm(kOutputGrace, &Run::complete);
  }

 private:
  void arm(Duration delay, void (Run::*action)()) {
    action_ = action;
    uv_timer_start(timer_, [](uv_timer_t* timer) {
      auto* run = static_cast<Run*>(timer->data);
      if (run != nullptr) (run->*(run->action_))();
    }, static_cast<uint64_t>(delay.count()), 0);
  }

  void onOutput(ssize_t got, const uv_buf_t* buffer) {
    if (got < 0) {  // EOF or an error: either way nothing more comes
      uv_read_stop(reinterpret_cast<uv_stream_t*>(pipe_));
      eof_ = true;
      if (exited_) complete();
      return;
    }
    outcome_.outputBytes += static_cast<uint64_t>(got);
    const std::size_t room = kOutputCapBytes - std::min(kOutputCapBytes, outcome_.output.size());
    outcome_.output.append(buffer->base, std::min(room, static_cast<std::size_t>(got)));
  }

  void onTimeout() {
    timedOut_ = true;
    runner_.terminate(pid_, /*now=*/false);
    arm(kKillGrace + kAbandonAfterKill, &Run::complete);  // the root normally ends long before
  }

  void complete() {
    if (!exited_) runner_.reaper_.forget(pid_);  // stuck in the kernel: reaped silently if it ever ends
    outcome_.elapsed = std::chrono::duration_cast<Duration>(Clock::now() - started_);
    if (timedOut_) {
      outcome_.end = ScriptEnd::kTimedOut;
    } else if (WIFSIGNALED(status_)) {
      outcome_.end = ScriptEnd::kSignaled;
      outcome_.signal = WTERMSIG(status_);
    } else {
      outcome_.end = ScriptEnd::kExited;
      outcome_.exitCode = WEXITSTATUS(status_);
    }
    Done done = std::move(done_);
    ScriptOutcome outcome = std::move(outcome_);
    runner_.finish(pid_);  // destroys this
    done(std::move(outcome));
  }

  ScriptRunner& runner_;
  ScriptJob job_;
  Done done_;
  pid_t pid_;
  TimePoint started_;
  uv_pipe_t* pipe_ = nullptr;
  uv_timer_t* timer_ = nullptr;
  void (Run::*action_)() = nullptr;
  ScriptOutcome outcome_;
  bool exited_ = false;
  bool eof_ = false;
  bool timedOut_ = false;
  int status_ = 0;

  friend class ScriptRunner;
};

void ScriptRunner::start(const ScriptJob& job, Done done) {
  Result<SpawnedScript> spawned = spawnScript(job, limits_);
  if (!spawned.ok()) {
    ScriptOutcome outcome;
    outcome.error = spawned.error();
    // Reported from the loop, like every other end, so callers never re-enter themselves.
    auto* later = new uv_idle_t;
    uv_idle_init(loop_, later);
    later->data = new std::pair<Done, ScriptOutcome>(std::move(done), std::move(outcome));
    uv_idle_start(later, [](uv_idle_t* idle) {
      auto* pending = static_cast<std::pair<Done, ScriptOutcome>*>(idle->data);
      idle->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(idle), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
      pending->first(std::move(pending->second));
      delete pending;
    });
    return;
  }
  const pid_t pid = spawned->pid;
  auto run = std::make_unique<Run>(*this, job, std::move(done), spawned.value());
  Run* raw = run.get();
  runs_[pid] = std::move(run);
  reaper_.watch(pid, [raw](int status) { raw->onExit(status); });
}

ScriptRunner::ScriptRunner(uv_loop_t* loop, ChildReaper& reaper, ScriptLimits limits)
    : loop_(loop), reaper_(reaper), limits_(limits) {}

void ScriptRunner::finish(pid_t root) { runs_.erase(root); }

ScriptRunner::~ScriptRunner() {
  killAll();
  for (auto& [timer, root] : pendingKills_) {
    terminate(root, /*now=*/true);
    uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
}

void ScriptRunner::killAll() {
  for (auto& [root, run] : runs_) {
    terminate(root, /*now=*/true);
    reaper_.forget(root);
  }
  runs_.clear();
}


}  // namespace nefia::beacons
