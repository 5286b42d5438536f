// The sandbox steps, one per mechanism file, that sandbox.cc runs in order. Internal to nefia_sandbox:
// workers call applySandbox() only, never a single step (a partial sandbox is not a sandbox).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "workers/sandbox/sandbox.h"

namespace nefia::sandbox::detail {

// sandbox_fds.cc: closes every descriptor that is not in keepFds.
Status closeFdsExcept(const std::vector<int>& keepFds);

// sandbox_privileges.cc: switches a root process to `identity` with no supplementary groups and checks
// that root cannot be regained; then (for every process) PR_SET_NO_NEW_PRIVS.
Status dropPrivileges(const WorkerIdentity& identity);
Status setNoNewPrivileges();
std::string currentUserName();

// sandbox_rlimits.cc: no core dumps, not dumpable, bounded open files for the role.
Status applyProcessLimits(Role role);

// sandbox_landlock.cc: the role's filesystem/network/scope ruleset. abi 0 + note when unavailable.
struct LandlockOutcome {
  int abi = 0;
  std::string note;
};
Result<LandlockOutcome> applyLandlock(Role role, const std::string& updaterStagingDir,
                                      const std::string& beaconsScratchDir);

// sandbox_seccomp.cc: loads the role's filter (on every thread). logOnly needs a NEFIA_TEST_HOOKS build.
Status applySeccomp(Role role, bool logOnly);

}  // namespace nefia::sandbox::detail
