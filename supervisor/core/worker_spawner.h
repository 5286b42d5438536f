// The spawner seam: WorkerProcess starts incarnations through a WorkerSpawner. The real one re-executes our
// binary as `nefia-agent worker NAME` with uv_spawn (fd layout: ipc/fd_layout.h); tests pass a fake.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "common/uv_handle.h"

namespace nefia::supervisor {

struct WorkerLaunch {
  std::string executable;               // our own binary (uv_exepath)
  std::vector<std::string> arguments;   // e.g. {"worker", "tunnel"}
};

// Exit status as libuv reports it: exit code, or the terminating signal (0 when it exited normally).
using ExitCallback = std::function<void(int64_t exitCode, int termSignal)>;

// One started incarnation as the supervisor sees it. Destroying it kills a still running one; the exit
// callback runs once when it exits (never after destruction) and may destroy the incarnation.
class WorkerIncarnation {
 public:
  virtual ~WorkerIncarnation() = default;
  virtual int pid() const = 0;
  virtual UniqueFd takeSupervisorEnd() = 0;  // our end of the IPC socketpair
  virtual void kill(int signal) = 0;
};

class WorkerSpawner {
 public:
  virtual ~WorkerSpawner() = default;
  virtual Result<std::unique_ptr<WorkerIncarnation>> spawn(uv_loop_t* loop, const WorkerLaunch& launch,
                                                           ExitCallback onExit) = 0;
};

// The real spawner (fork/exec through uv_spawn); stateless, shared.
WorkerSpawner& processSpawner();

class SpawnedProcess final : public WorkerIncarnation {
 public:
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;
  ~SpawnedProcess() override;

  int pid() const override { return pid_; }
  UniqueFd takeSupervisorEnd() override { return std::move(supervisorEnd_); }
  void kill(int signal) override;

  static Result<std::unique_ptr<SpawnedProcess>> spawn(uv_loop_t* loop, const WorkerLaunch& launch,
                                                       ExitCallback onExit);

 private:
  SpawnedProcess() = default;
  static void onProcessExit(uv_process_t* process, int64_t exitCode, int termSignal);

  UvHandle<uv_process_t> process_;
  UniqueFd supervisorEnd_;
  ExitCallback onExit_;
  int pid_ = 0;
  bool exited_ = false;
};

}  // namespace nefia::supervisor
