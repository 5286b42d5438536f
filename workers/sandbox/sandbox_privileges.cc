// Sandbox steps 2 and 4: a root-started worker becomes an unprivileged user (nefia-agent, else nobody)
// with no supplementary groups, proven by failing to regain root; then PR_SET_NO_NEW_PRIVS. Never
// leaves a worker with uid or gid 0.
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "workers/sandbox/sandbox_steps.h"

namespace nefia::sandbox {

namespace {

constexpr const char* kPreferredUser = "nefia-agent";  // created by scripts/setup.sh and the packages
constexpr const char* kFallbackUser = "nobody";

// Some(identity), or none when the user does not exist; an error only when the lookup itself fails.
Result<std::optional<WorkerIdentity>> lookUpUser(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0) {
    return makeError("looking up user \"" + name + "\" failed: " + std::strerror(rc));
  }
  if (found == nullptr) return std::optional<WorkerIdentity>();
  return std::optional<WorkerIdentity>(WorkerIdentity{name, found->pw_uid, found->pw_gid});
}

}  // namespace

Result<WorkerIdentity> resolveWorkerUser(const std::string& configured, Role role) {
  std::vector<std::string> candidates;
  if (configured.empty() && role == Role::kBeacons) {
    candidates = {kBeaconsUser, kPreferredUser, kFallbackUser};
  } else if (configured.empty()) {
    candidates = {kPreferredUser, kFallbackUser};
  } else {
    candidates = {configured};
  }
  for (const std::string& name : candidates) {
    Result<std::optional<WorkerIdentity>> lookup = lookUpUser(name);
    if (!lookup) return makeError(lookup.error());
    if (!lookup.value()) continue;
    const WorkerIdentity identity = *lookup.value();
    if (identity.uid == 0 || identity.gid == 0) {
      return makeError("worker user \"" + name + "\" has uid or gid 0; workers must run unprivileged: " +
                       "configure a user without root's ids");
    }
    return identity;
  }
  if (!configured.empty()) {
    return makeError("worker user \"" + configured + "\" does not exist: create it (useradd --system " +
                     "--shell /usr/sbin/nologin " + configured + ") or configure an existing unprivileged user");
  }
  return makeError("neither \"nefia-agent\" nor \"nobody\" exists: create the system user with "
                   "useradd --system --no-create-home --shell /usr/sbin/nologin nefia-agent");
}

namespace detail {

Status dropPrivileges(const WorkerIdentity& identity) {
  if (setgroups(0, nullptr) != 0) {
    return makeError(std::string("setgroups(0) failed: ") + std::strerror(errno));
  }
  if (setresgid(identity.gid, identity.gid, identity.gid) != 0) {
    return makeError("setresgid(" + std::to_string(identity.gid) + ") failed: " + std::strerror(errno));
  }
  if (setresuid(identity.uid, identity.uid, identity.uid) != 0) {
    return makeError("setresuid(" + std::to_string(identity.uid) + ") failed: " + std::strerror(errno));
  }

  uid_t realUid = 0, effectiveUid = 0, savedUid = 0;
  gid_t realGid = 0, effectiveGid = 0, savedGid = 0;
  if (getresuid(&realUid, &effectiveUid, &savedUid) != 0 || getresgid(&realGid, &effectiveGid, &savedGid) != 0 ||
      realUid != identity.uid || effectiveUid != identity.uid || savedUid != identity.uid ||
      realGid != identity.gid || effectiveGid != identity.gid || savedGid != identity.gid) {
    return makeError("the worker's user and group ids are not all " + identity.name + "'s after switching");
  }
  if (getgroups(0, nullptr) != 0) {
    return makeError("supplementary groups remain after setgroups(0)");
  }
  // The proof: none of these may succeed once the saved ids are gone too.
  if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0) {
    return makeError("the worker regained root after switching to " + identity.name +
                     " (saved ids or capabilities survived); refusing to continue");
  }
  return Status::success();
}

Status setNoNewPrivileges() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return makeError(std::string("prctl(PR_SET_NO_NEW_PRIVS) failed: ") + std::strerror(errno));
  }
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
    return makeError("PR_SET_NO_NEW_PRIVS did not stick");
  }
  return Status::success();
}

std::string currentUserName() {
  const uid_t uid = geteuid();
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return "uid " + std::to_string(uid);
}

}  // namespace detail
}  // namespace nefia::sandbox
