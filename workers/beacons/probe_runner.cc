// ProbeRunner (probe_runner.h): fork a child around a blocking call, read its answer from a pipe, kill and
// abandon it at the timeout. The child closes every other fd and ends with _exit.
#include "workers/beacons/probe_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nefia::beacons {
namespace {

char gProbeBuffer[4096];

template <typename Handle>
void closeAndDelete(Handle* handle) {
  handle->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* closed) { delete reinterpret_cast<Handle*>(closed); });
}

}  // namespace

class ProbeRunner::Probe {
 public:
  Probe(ProbeRunner& runner, std::string key, pid_t pid, int fd, Done done)
      : runner_(runner), key_(std::move(key)), pid_(pid), done_(std::move(done)) {
    pipe_ = new uv_pipe_t;
    uv_pipe_init(runner_.loop_, pipe_, 0);
    uv_pipe_open(pipe_, fd);
    pipe_->data = this;
    uv_read_start(reinterpret_cast<uv_stream_t*>(pipe_),
                  [](uv_handle_t*, size_t, uv_buf_t* buffer) { *buffer = uv_buf_init(gProbeBuffer, sizeof gProbeBuffer); },
                  [](uv_stream_t* stream, ssize_t got, const uv_buf_t* buffer) {
                    if (stream->data != nullptr) static_cast<Probe*>(stream->data)->onOutput(got, buffer);
                  });
    timer_ = new uv_timer_t;
    uv_timer_init(runner_.loop_, timer_);
    timer_->data = this;
  }
  ~Probe() {
    closeAndDelete(pipe_);
    closeAndDelete(timer_);
  }

  void arm(Duration timeout) {
    uv_timer_start(timer_, [](uv_timer_t* timer) {
      if (timer->data != nullptr) static_cast<Probe*>(timer->data)->onTimeout();
    }, static_cast<uint64_t>(timeout.count()), 0);
  }
  void onExit() {
    exited_ = true;
    if (eof_) answer();
  }

 private:
  void onOutput(ssize_t got, const uv_buf_t* buffer) {
    if (got < 0) {
      uv_read_stop(reinterpret_cast<uv_stream_t*>(pipe_));
      eof_ = true;
      if (exited_) answer();
      return;
    }
    const std::size_t room = kProbeOutputCapBytes - std::min(kProbeOutputCapBytes, output_.size());
    output_.append(buffer->base, std::min(room, static_cast<std::size_t>(got)));
  }
  void answer() { runner_.finish(this, ProbeOutcome{ProbeEnd::kAnswered, std::move(output_), ""}); }
  void onTimeout() {
    (void)::kill(pid_, SIGKILL);  // a child in uninterruptible sleep dies only when the kernel lets it
    ProbeRunner& runner = runner_;
    const std::string key = key_;
    const pid_t pid = pid_;
    if (!exited_) {
      runner.hung_[key] = pid;
      runner.reaper_.watch(pid, [&runner, key](int) { runner.hung_.erase(key); });
    }
    runner.finish(this, ProbeOutcome{ProbeEnd::kTimedOut, "", ""});
  }

  ProbeRunner& runner_;
  std::string key_;
  pid_t pid_;
  Done done_;
  uv_pipe_t* pipe_;
  uv_timer_t* timer_;
  std::string output_;
  bool exited_ = false;
  bool eof_ = false;
  friend class ProbeRunner;
};

ProbeRunner::ProbeRunner(uv_loop_t* loop, ChildReaper& reaper) : loop_(loop), reaper_(reaper) {}

ProbeRunner::~ProbeRunner() {
  for (auto& [raw, probe] : probes_) {
    (void)::kill(probe->pid_, SIGKILL);
    reaper_.forget(probe->pid_);
  }
  for (auto& [key, pid] : hung_) reaper_.forget(pid);
}

void ProbeRunner::later(Done done, ProbeOutcome outcome) {
  auto* idle = new uv_idle_t;
  uv_idle_init(loop_, idle);
  idle->data = new std::pair<Done, ProbeOutcome>(std::move(done), std::move(outcome));
  uv_idle_start(idle, [](uv_idle_t* handle) {
    auto* pending = static_cast<std::pair<Done, ProbeOutcome>*>(handle->data);
    uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
    pending->first(std::move(pending->second));
    delete pending;
  });
}

void ProbeRunner::start(const std::string& key, Duration timeout, Body body, Done done) {
  if (hung(key)) return later(std::move(done), ProbeOutcome{ProbeEnd::kStillHung, "", ""});
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return later(std::move(done), ProbeOutcome{ProbeEnd::kNotStarted, "", std::string("pipe: ") + std::strerror(errno)});
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::dup2(fds[1], STDOUT_FILENO) < 0) ::_exit(126);
    (void)::syscall(SYS_close_range, 3u, ~0u, 0u);
    ::_exit(body());
  }
  const int forkErrno = errno;
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return later(std::move(done), ProbeOutcome{ProbeEnd::kNotStarted, "", std::string("fork: ") + std::strerror(forkErrno)});
  }
  (void)::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  auto probe = std::make_unique<Probe>(*this, key, pid, fds[0], std::move(done));
  Probe* raw = probe.get();
  probes_[raw] = std::move(probe);
  reaper_.watch(pid, [raw](int) { raw->onExit(); });
  raw->arm(timeout);
}

void ProbeRunner::finish(Probe* probe, ProbeOutcome outcome) {
  if (!probe->exited_ && outcome.end == ProbeEnd::kAnswered) reaper_.forget(probe->pid_);
  Done done = std::move(probe->done_);
  probes_.erase(probe);
  done(std::move(outcome));
}

}  // namespace nefia::beacons
