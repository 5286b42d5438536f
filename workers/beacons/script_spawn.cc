// spawnScript (script_spawn.h): prepare argv/envp, fork, and in the child set up the session, limits and
// descriptors, then exec /bin/sh. The child never allocates and never returns.
#include "workers/beacons/script_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace nefia::beacons {
namespace {

constexpr const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

[[noreturn]] void childFail(const char* what) {
  const char prefix[] = "nefia-beacons: cannot start the script: ";
  (void)!::write(STDERR_FILENO, prefix, sizeof prefix - 1);
  (void)!::write(STDERR_FILENO, what, std::strlen(what));
  (void)!::write(STDERR_FILENO, "\n", 1);
  ::_exit(126);
}

void setLimit(int resource, rlim_t value) {
  const rlimit limit{value, value};
  (void)::setrlimit(resource, &limit);  // only lowers: an unprivileged worker cannot raise a hard limit
}

void resetSignals() {
  struct sigaction defaults{};
  defaults.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) (void)::sigaction(signal, &defaults, nullptr);
  sigset_t none;
  sigemptyset(&none);
  (void)::sigprocmask(SIG_SETMASK, &none, nullptr);
}

struct ChildPlan {
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* scratch;
  rlim_t cpuSeconds;
  ScriptLimits limits;
  int outputWrite;
};

[[noreturn]] void runChild(const ChildPlan& plan) {
  if (::setsid() < 0) childFail("setsid failed");
  setLimit(RLIMIT_CPU, plan.cpuSeconds);
  setLimit(RLIMIT_AS, plan.limits.addressSpaceBytes);
  setLimit(RLIMIT_NOFILE, plan.limits.openFiles);
  setLimit(RLIMIT_NPROC, plan.limits.processes);
  setLimit(RLIMIT_CORE, 0);
  const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devNull < 0 || ::dup2(devNull, STDIN_FILENO) < 0 || ::dup2(plan.outputWrite, STDOUT_FILENO) < 0 ||
      ::dup2(plan.outputWrite, STDERR_FILENO) < 0) {
    ::_exit(126);
  }
  (void)::syscall(SYS_close_range, 3u, ~0u, 0u);  // nothing of the worker's reaches the script
  resetSignals();
  if (::chdir(plan.scratch) != 0) childFail("its scratch directory is not accessible");
  ::execve("/bin/sh", plan.argv.data(), plan.envp.data());
  childFail("/bin/sh could not be executed");
}

}  // namespace

Result<SpawnedScript> spawnScript(const ScriptJob& job, const ScriptLimits& limits) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return makeError(std::string("pipe failed: ") + std::strerror(errno));
  std::string shell = "sh", flag = "-c", command = job.command;
  std::vector<std::string> environment = {kPath, "HOME=" + job.scratchDir, "TMPDIR=" + job.scratchDir, "LANG=C",
                                          "NEFIA_BEACON_NAME=" + job.name};
  ChildPlan plan;
  plan.argv = {shell.data(), flag.data(), command.data(), nullptr};
  for (std::string& entry : environment) plan.envp.push_back(entry.data());
  plan.envp.push_back(nullptr);
  plan.scratch = job.scratchDir.c_str();
  const auto timeoutSeconds = std::chrono::ceil<std::chrono::seconds>(job.timeout).count();
  plan.cpuSeconds = static_cast<rlim_t>(timeoutSeconds) + 1;
  plan.limits = limits;
  plan.outputWrite = pipeFds[1];

  const pid_t pid = ::fork();
  if (pid == 0) runChild(plan);
  const int forkErrno = errno;
  ::close(pipeFds[1]);
  if (pid < 0) {
    ::close(pipeFds[0]);
    return makeError(std::string("fork failed: ") + std::strerror(forkErrno));
  }
  (void)::fcntl(pipeFds[0], F_SETFL, ::fcntl(pipeFds[0], F_GETFL) | O_NONBLOCK);
  return SpawnedScript{pid, pipeFds[0]};
}

}  // namespace nefia::beacons
