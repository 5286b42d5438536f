// validateAgentConfig(): the reference's "Config Validation" rules plus the checks every later
// component relies on (addresses, URLs, durations, beacons). Must never quote a secret in a message.
#pragma once

#include <string>
#include <vector>

#include "common/config/agent_config.h"
#include "common/config/config_problems.h"

namespace nefia {

// Adds one problem per invalid field to problems (which knows the file and lines).
void validateAgentConfig(const AgentConfig& config, ConfigProblems& problems);

// For a config built in code (enroll, token rotation) before it is written: messages without lines.
std::vector<std::string> validateAgentConfig(const AgentConfig& config);

// "https://host[...]" with a non-empty host and no spaces or control characters.
bool isHttpsUrl(const std::string& text);

}  // namespace nefia
