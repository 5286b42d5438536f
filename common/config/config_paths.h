// Where the agent's config lives by default (the health report's path is common/health's healthReportPath).
// Pure path arithmetic plus $HOME lookup; must never create directories or files.
#pragma once

#include <string>

#include "common/result.h"

namespace nefia {

// $HOME/.nefia/agent.yaml; falls back to the passwd entry's home when HOME is unset or empty.
Result<std::string> defaultConfigPath();

}  // namespace nefia
