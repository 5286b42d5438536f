// Starts one worker incarnation: re-executes our own binary as `nefia-agent worker NAME` with uv_spawn,
// the IPC socket at the fixed fd and nothing else inherited (fd layout: ipc/fd_layout.h).
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

class SpawnedProcess {
 public:
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;
  ~SpawnedProcess();

  int pid() const { return pid_; }
  UniqueFd takeSupervisorEnd() { return std::move(supervisorEnd_); }
  void kill(int signal);
  bool exited() const { return exited_; }

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
