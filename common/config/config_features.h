// Which configured features this build does not implement yet, for the start-up warning
// "not yet supported: ...". Must never hide a configured field: every config area is in the table.
#pragma once

#include <string>
#include <vector>

#include "common/config/agent_config.h"

namespace nefia {

// Names of features that are configured in config but not supported yet, in the reference's order
// ("dns", "agent_token", "beacons", ...). Empty when everything configured is supported.
std::vector<std::string> unsupportedConfiguredFeatures(const AgentConfig& config);

}  // namespace nefia
