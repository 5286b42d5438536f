// The worker sandbox (Linux): one call that closes fds, drops privileges, sets rlimits, NO_NEW_PRIVS,
// Landlock and seccomp for a worker role, in that order. It must run before the worker reads any input
// and before it starts any thread; it never loosens a restriction once applied.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "common/result.h"
#include "ipc/message_types.h"

namespace nefia::sandbox {

// The worker roles of the roles table (ipc/worker_roles.h); each has one row in sandbox_policy.h's
// kRolePolicies. Names: ipc::toString / ipc::parseWorkerRole.
using Role = ipc::Role;

struct SandboxOptions {
  std::vector<int> keepFds;       // every other fd is closed, e.g. {0, 1, 2, 3} (common/worker_fd_layout.h)
  std::string user;               // "" = nefia-agent if that user exists, else nobody; only used when root
  std::string updaterStagingDir;  // required for a role whose policy writes it (the updater): its only writable dir
  // Test-hook builds only: a denied system call is reported on stderr and fails with ENOSYS instead of
  // killing the process, so developers can discover what a policy is missing. Release builds reject it.
  bool logOnly = false;
  std::string beaconsScratchDir;  // beacons: the scripts' writable dir; empty = none (scripts can write nothing)
};

struct SandboxReport {
  bool seccomp = false;      // the role's seccomp filter is loaded
  int landlockAbi = 0;       // the Landlock ABI the ruleset was built for; 0 = no Landlock
  std::string workerUser;    // the user the worker now runs as
  std::string landlockNote;  // why Landlock is missing or partial; empty when fully applied.
                             // The caller must log it (once) and put it in the health report.
};

// Applies the whole sandbox for `role`. On error the process is partly sandboxed and must exit: the
// error says which step failed and why.
Result<SandboxReport> applySandbox(Role role, const SandboxOptions& options);

// The account a root-started worker switches to; the supervisor also uses it to chown the updater's
// staging directory. `configured` empty = nefia-agent if it exists, else nobody. Never returns uid 0.
struct WorkerIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};
// The beacons role prefers a user of its own, kBeaconsUser: with a shared uid its scripts would count against
// the other workers' RLIMIT_NPROC and could signal them where Landlock scopes are missing.
inline constexpr const char* kBeaconsUser = "nefia-beacons";
Result<WorkerIdentity> resolveWorkerUser(const std::string& configured, Role role = Role::kTunnel);

}  // namespace nefia::sandbox
