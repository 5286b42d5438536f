// Sandbox step 5: Landlock, built for the newest ABI both the kernel and landlock_abi.h know. A kernel
// without Landlock, or an older ABI, is reported in the note (never silently skipped); a rule that
// cannot be added is an error, because a ruleset missing a rule could deny what a worker needs.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "workers/sandbox/landlock_abi.h"
#include "workers/sandbox/sandbox_policy.h"
#include "workers/sandbox/sandbox_steps.h"

namespace nefia::sandbox::detail {

namespace {

namespace ll = landlock;

// Closes the descriptor it owns on every path out of a function.
class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string unavailableNote(int error) {
  switch (error) {
    case ENOSYS:
      return "Landlock is not available: this kernel was built without it (needs Linux >= 5.13 with "
             "CONFIG_SECURITY_LANDLOCK); workers are confined by seccomp and file permissions only";
    case EOPNOTSUPP:
      return "Landlock is disabled on this host: add \"landlock\" to the lsm= kernel boot parameter; "
             "workers are confined by seccomp and file permissions only";
    default:
      return std::string("Landlock ABI query failed (") + std::strerror(error) +
             "); workers are confined by seccomp and file permissions only";
  }
}

// What a kernel older than the newest ABI leaves unrestricted, for the health report.
std::string partialNote(int abi) {
  std::string missing;
  auto add = [&missing](const char* gap) { missing += missing.empty() ? gap : std::string("; ") + gap; };
  if (abi < 2) add("renames across directories are always refused (ABI 2)");
  if (abi < 3) add("truncation is not restricted (ABI 3)");
  if (abi < 4) add("TCP bind/connect are not restricted (ABI 4)");
  if (abi < 5) add("device ioctls are not restricted (ABI 5)");
  if (abi < 6) add("signals and abstract unix sockets are not scoped (ABI 6)");
  if (missing.empty()) return missing;
  return "Landlock ABI " + std::to_string(abi) + " is partial: " + missing;
}

Status addPathRule(int rulesetFd, const char* path, uint64_t rights, bool required) {
  OwnedFd target(open(path, O_PATH | O_CLOEXEC));
  if (target.get() < 0) {
    if (errno == ENOENT && !required) return Status::success();
    return makeError(std::string("cannot open ") + path + " for a Landlock rule: " + std::strerror(errno));
  }
  struct stat status {};
  if (fstat(target.get(), &status) != 0) {
    return makeError(std::string("cannot stat ") + path + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(status.st_mode)) rights &= ll::fs::kFileOnly;
  if (rights == 0) return Status::success();
  const ll::PathBeneathAttr rule{rights, target.get()};
  if (syscall(ll::kSysAddRule, rulesetFd, ll::kRulePathBeneath, &rule, 0) != 0) {
    return makeError(std::string("landlock_add_rule(") + path + ") failed: " + std::strerror(errno));
  }
  return Status::success();
}

}  // namespace

Result<LandlockOutcome> applyLandlock(Role role, const std::string& updaterStagingDir,
                                      const std::string& beaconsScratchDir) {
  const long kernelAbi = syscall(ll::kSysCreateRuleset, nullptr, 0, ll::kCreateRulesetVersion);
  if (kernelAbi < 1) return LandlockOutcome{0, unavailableNote(kernelAbi < 0 ? errno : ENOSYS)};
  const int abi = static_cast<int>(std::min<long>(kernelAbi, ll::kNewestKnownAbi));

  const policy::LandlockPolicy rolePolicy = policy::landlockPolicyFor(role);
  const ll::RulesetAttr attr{ll::fsAccessForAbi(abi), rolePolicy.handledNet & ll::netAccessForAbi(abi),
                             rolePolicy.scoped & ll::scopeForAbi(abi)};
  OwnedFd ruleset(static_cast<int>(syscall(ll::kSysCreateRuleset, &attr, ll::rulesetAttrSize(abi), 0)));
  if (ruleset.get() < 0) {
    return makeError("landlock_create_ruleset (ABI " + std::to_string(abi) + ") failed: " + std::strerror(errno));
  }

  for (const policy::LandlockPath& entry : rolePolicy.paths) {
    const uint64_t rights = policy::rightsFor(entry.access) & attr.handledAccessFs;
    if (Status status = addPathRule(ruleset.get(), entry.path, rights, false); !status) return makeError(status.error());
  }
  if (rolePolicy.stagingDirWritable) {
    const uint64_t rights = policy::rightsFor(policy::PathAccess::kReadWrite) & attr.handledAccessFs;
    if (Status status = addPathRule(ruleset.get(), updaterStagingDir.c_str(), rights, true); !status) {
      return makeError(status.error() + " (the supervisor creates the updater's staging directory)");
    }
  }

  if (rolePolicy.scratchDirWritable && !beaconsScratchDir.empty()) {
    const uint64_t rights = policy::rightsFor(policy::PathAccess::kReadWrite) & attr.handledAccessFs;
    if (Status status = addPathRule(ruleset.get(), beaconsScratchDir.c_str(), rights, true); !status) {
      return makeError(status.error() + " (the supervisor creates the beacons' scratch directory)");
    }
  }

  if (syscall(ll::kSysRestrictSelf, ruleset.get(), 0) != 0) {
    return makeError(std::string("landlock_restrict_self failed: ") + std::strerror(errno));
  }
  return LandlockOutcome{abi, partialNote(abi)};
}

}  // namespace nefia::sandbox::detail
