// The --strict-permissions check: a config that other users can read must not hold a plaintext
// private key. Must never print the key itself; messages name the file, its mode and the chmod fix.
#pragma once

#include <string>

#include "common/config/agent_config.h"
#include "common/result.h"

namespace nefia {

struct PermissionVerdict {
  std::string warning;  // empty: nothing to report
};

// When the check runs: it decides the wording ("refusing to start" at start; on SIGHUP the agent keeps running
// on its previous config, so "refusing to load it").
enum class PermissionCheckMoment { kStart, kReload };

// Error (refuse the config): mode & 077 != 0, a plaintext private_key, and strict is true.
// Warning: mode & 077 != 0 otherwise. The mode is that of the file path resolves to.
Result<PermissionVerdict> checkConfigPermissions(const std::string& path, const AgentConfig& config, bool strict,
                                                 PermissionCheckMoment moment = PermissionCheckMoment::kStart);

}  // namespace nefia
