// uv_spawn of a worker with stdin/stdout on /dev/null, stderr shared, and one SOCK_SEQPACKET end at fd 3.
// The environment is reduced to PATH: workers get settings over IPC, never from the environment.
#include "supervisor/core/worker_spawner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "ipc/channel.h"
#include "ipc/fd_layout.h"

namespace nefia::supervisor {

constexpr int kWorkerFdCount = ipc::kWorkerHighestFixedFd + 1;

SpawnedProcess::~SpawnedProcess() {
  if (process_.initialized() && !exited_) uv_process_kill(process_.get(), SIGKILL);
  process_.close();
}

void SpawnedProcess::kill(int signal) {
  if (process_.initialized() && !exited_) uv_process_kill(process_.get(), signal);
}

void SpawnedProcess::onProcessExit(uv_process_t* process, int64_t exitCode, int termSignal) {
  auto* self = static_cast<SpawnedProcess*>(process->data);
  self->exited_ = true;
  if (self->onExit_) {
    ExitCallback callback = self->onExit_;  // the callback may destroy *self
    callback(exitCode, termSignal);
  }
}

Result<std::unique_ptr<SpawnedProcess>> SpawnedProcess::spawn(uv_loop_t* loop, const WorkerLaunch& launch,
                                                              ExitCallback onExit) {
  auto pair = ipc::makeChannelPair();
  if (!pair.ok()) return makeError("cannot create the worker's IPC socketpair: " + pair.error());
  UniqueFd supervisorEnd = std::move(pair->first);
  UniqueFd workerEnd = std::move(pair->second);
  const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devNull < 0) return makeError(std::string("cannot open /dev/null: ") + std::strerror(errno));
  UniqueFd nullFd(devNull);

  std::vector<std::string> argvStorage;
  argvStorage.push_back(launch.executable);
  argvStorage.insert(argvStorage.end(), launch.arguments.begin(), launch.arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : argvStorage) argv.push_back(argument.data());
  argv.push_back(nullptr);
  std::string path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char* env[] = {path.data(), nullptr};

  uv_stdio_container_t stdio[kWorkerFdCount];
  stdio[ipc::kWorkerStdinFd].flags = UV_INHERIT_FD;
  stdio[ipc::kWorkerStdinFd].data.fd = nullFd.get();
  stdio[ipc::kWorkerStdoutFd].flags = UV_INHERIT_FD;
  stdio[ipc::kWorkerStdoutFd].data.fd = nullFd.get();
  stdio[ipc::kWorkerStderrFd].flags = UV_INHERIT_FD;
  stdio[ipc::kWorkerStderrFd].data.fd = STDERR_FILENO;
  stdio[ipc::kWorkerChannelFd].flags = UV_INHERIT_FD;
  stdio[ipc::kWorkerChannelFd].data.fd = workerEnd.get();

  uv_process_options_t options{};
  options.file = launch.executable.c_str();
  options.args = argv.data();
  options.env = env;
  options.stdio_count = kWorkerFdCount;
  options.stdio = stdio;
  options.exit_cb = &SpawnedProcess::onProcessExit;

  std::unique_ptr<SpawnedProcess> spawned(new SpawnedProcess());
  spawned->onExit_ = std::move(onExit);
  spawned->supervisorEnd_ = std::move(supervisorEnd);
  // libuv registers the handle even when uv_spawn fails, so it must be closed either way: report
  // success to UvHandle and keep the real status.
  int status = 0;
  spawned->process_.init(
      [&status](uv_loop_t* target, uv_process_t* process, const uv_process_options_t* processOptions) {
        status = uv_spawn(target, process, processOptions);
        return 0;
      },
      loop, &options);
  spawned->process_.get()->data = spawned.get();
  if (status != 0) {
    spawned->exited_ = true;
    return makeError("cannot start " + launch.executable + ": " + uv_strerror(status));
  }
  spawned->pid_ = spawned->process_.get()->pid;
  return spawned;
}

namespace {
class ProcessSpawner final : public WorkerSpawner {
 public:
  Result<std::unique_ptr<WorkerIncarnation>> spawn(uv_loop_t* loop, const WorkerLaunch& launch,
                                                   ExitCallback onExit) override {
    auto spawned = SpawnedProcess::spawn(loop, launch, std::move(onExit));
    if (!spawned.ok()) return makeError(spawned.error());
    return std::unique_ptr<WorkerIncarnation>(std::move(spawned.value()));
  }
};
}  // namespace

WorkerSpawner& processSpawner() {
  static ProcessSpawner spawner;
  return spawner;
}

}  // namespace nefia::supervisor
