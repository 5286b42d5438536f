// Where the agent's files live: the default config path and the health report next to the config.
// Pure path arithmetic plus $HOME lookup; must never create directories or files.
#pragma once

#include <string>

#include "common/result.h"

namespace nefia {

// $HOME/.nefia/agent.yaml; falls back to the passwd entry's home when HOME is unset or empty.
Result<std::string> defaultConfigPath();

// "agent-health.json" in the directory of configPath ("/etc/nefia/agent.yaml" -> "/etc/nefia/agent-health.json").
std::string healthFilePath(const std::string& configPath);

}  // namespace nefia
