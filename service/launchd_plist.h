// The macOS LaunchAgent (~/Library/LaunchAgents/com.nefia.agent.plist) of the reference's "Platform Details".
// A pure function: macOS cannot run here, so its tests parse the text with a real plist parser.
#pragma once

#include <string>

#include "common/result.h"
#include "service/service_spec.h"

namespace nefia::service {

// ~/Library/LaunchAgents/com.nefia.agent.plist for the given home.
std::string launchAgentPlistPath(const std::string& home);
// ~/Library/Logs/nefia/nefia-agent.stdout.log and .stderr.log.
std::string launchAgentStdoutPath(const std::string& home);
std::string launchAgentStderrPath(const std::string& home);

// RunAtLoad, KeepAlive (restart after a crash, not after a clean exit), ProgramArguments = binary + run ...,
// stdout/stderr into the two log files. Errors name a value XML cannot carry.
Result<std::string> generateLaunchAgentPlist(const ServiceSpec& spec, const std::string& home);

}  // namespace nefia::service
