// Unix permission check of agent.yaml, run by the supervisor before it starts any worker.
// Must never follow the config's own judgement about secrets: plaintext means "not a keyring reference".
#include "common/config/config_permissions.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nefia {
namespace {

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

Result<PermissionVerdict> checkConfigPermissions(const std::string& path, const AgentConfig& config, bool strict,
                                                 PermissionCheckMoment moment) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0) {
    return makeError("cannot check permissions of " + path + ": " + std::strerror(errno));
  }
  if ((info.st_mode & 077) == 0) return PermissionVerdict{};
  const std::string fix = "run: chmod 600 " + path;
  const bool plaintextKey = !config.privateKey.empty() && !isKeyringReference(config.privateKey);
  if (plaintextKey && strict) {
    if (moment == PermissionCheckMoment::kReload) {
      return makeError("refusing to load it: " + path + " has mode " + octal(info.st_mode) +
                       " and holds a plaintext private_key that other users can read; " + fix +
                       " and send SIGHUP again");
    }
    return makeError("refusing to start: " + path + " has mode " + octal(info.st_mode) +
                     " and holds a plaintext private_key that other users can read; " + fix +
                     " (or pass --strict-permissions=false to start anyway)");
  }
  std::string warning = path + " has mode " + octal(info.st_mode) + " and is readable by other users";
  if (plaintextKey) warning += ", including its plaintext private_key";
  return PermissionVerdict{warning + "; " + fix};
}

}  // namespace nefia
