// Sandbox step 3: process limits. No core files and not dumpable (a dump or a same-user ptrace would
// expose keys), open files bounded per role. Only ever lowers a limit.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "workers/sandbox/sandbox_policy.h"
#include "workers/sandbox/sandbox_steps.h"

namespace nefia::sandbox::detail {

namespace {

Status lowerLimit(int resource, const char* name, rlim_t wanted) {
  rlimit current{};
  if (getrlimit(resource, &current) != 0) {
    return makeError(std::string("getrlimit(") + name + ") failed: " + std::strerror(errno));
  }
  const rlim_t hard = current.rlim_max == RLIM_INFINITY ? wanted : std::min(current.rlim_max, wanted);
  const rlimit lowered{std::min(current.rlim_cur, hard), hard};
  if (setrlimit(resource, &lowered) != 0) {
    return makeError(std::string("setrlimit(") + name + ", " + std::to_string(hard) +
                     ") failed: " + std::strerror(errno));
  }
  return Status::success();
}

}  // namespace

Status applyProcessLimits(Role role) {
  if (Status status = lowerLimit(RLIMIT_CORE, "RLIMIT_CORE", 0); !status) return status;
  const policy::ProcessLimits limits = policy::processLimitsFor(role);
  if (Status status = lowerLimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", limits.openFiles); !status) return status;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return makeError(std::string("prctl(PR_SET_DUMPABLE, 0) failed: ") + std::strerror(errno));
  }
  return Status::success();
}

}  // namespace nefia::sandbox::detail
