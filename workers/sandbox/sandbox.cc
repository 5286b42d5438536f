// applySandbox(): runs the sandbox steps in the one order that works (fds, user, limits, no_new_privs,
// Landlock, seccomp: each step still needs the rights the next one removes). Never reorders or skips
// a step; a step that cannot be applied is an error or, for Landlock only, a reported gap.
#include "workers/sandbox/sandbox.h"

#include <dirent.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "workers/sandbox/sandbox_policy.h"
#include "workers/sandbox/sandbox_steps.h"

namespace nefia::sandbox {

namespace {

// Landlock applies to the calling thread only, so a thread started earlier would escape it.
Status checkSingleThreaded() {
  std::unique_ptr<DIR, int (*)(DIR*)> tasks(opendir("/proc/self/task"), closedir);
  if (!tasks) {
    return makeError(std::string("sandbox: cannot list /proc/self/task to check that the worker has no "
                                 "threads yet: ") + std::strerror(errno) + "; /proc must be mounted");
  }
  int threads = 0;
  while (const dirent* entry = readdir(tasks.get())) {
    if (entry->d_name[0] != '.') ++threads;
  }
  if (threads != 1) {
    return makeError("sandbox: the worker already runs " + std::to_string(threads) +
                     " threads; applySandbox() must be called before any thread is started");
  }
  return Status::success();
}

Status withStep(const char* step, Status status) {
  if (status.ok()) return status;
  return makeError(std::string("sandbox (") + step + "): " + status.error());
}

}  // namespace

Result<SandboxReport> applySandbox(Role role, const SandboxOptions& options) {
#ifndef NEFIA_TEST_HOOKS
  if (options.logOnly) {
    return makeError("sandbox: log-only mode (--sandbox=log) exists only in test-hook builds; "
                     "this release binary always enforces the sandbox");
  }
#endif
  const policy::RolePolicy* rolePolicy = policy::policyFor(role);
  if (rolePolicy == nullptr) {
    return makeError("sandbox: " + std::string(ipc::toString(role)) + " has no row in the sandbox policy table");
  }
  if (rolePolicy->landlock.stagingDirWritable && options.updaterStagingDir.empty()) {
    return makeError("sandbox: the " + std::string(ipc::toString(role)) +
                     " needs its staging directory (updaterStagingDir) to be set");
  }
  if (Status status = checkSingleThreaded(); !status) return makeError(status.error());

  SandboxReport report;
  const bool startedAsRoot = geteuid() == 0;
  WorkerIdentity identity;
  // Names are looked up while /etc/passwd is reachable and before fds are closed (nss may keep one).
  if (startedAsRoot) {
    Result<WorkerIdentity> resolved = resolveWorkerUser(options.user, role);
    if (!resolved) return makeError("sandbox (user): " + resolved.error());
    identity = resolved.value();
    report.workerUser = identity.name;
  } else {
    report.workerUser = detail::currentUserName();
  }

  if (Status status = withStep("fds", detail::closeFdsExcept(options.keepFds)); !status) {
    return makeError(status.error());
  }
  if (startedAsRoot) {
    if (Status status = withStep("user", detail::dropPrivileges(identity)); !status) {
      return makeError(status.error());
    }
  }
  if (Status status = withStep("rlimits", detail::applyProcessLimits(role)); !status) {
    return makeError(status.error());
  }
  if (Status status = withStep("no_new_privs", detail::setNoNewPrivileges()); !status) {
    return makeError(status.error());
  }
  Result<detail::LandlockOutcome> landlock = detail::applyLandlock(role, options.updaterStagingDir, options.beaconsScratchDir);
  if (!landlock) return makeError("sandbox (landlock): " + landlock.error());
  report.landlockAbi = landlock->abi;
  report.landlockNote = landlock->note;
  if (Status status = withStep("seccomp", detail::applySeccomp(role, options.logOnly)); !status) {
    return makeError(status.error());
  }
  report.seccomp = true;
  return report;
}

}  // namespace nefia::sandbox
