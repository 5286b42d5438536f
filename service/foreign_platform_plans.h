// What install-service would do on macOS (LaunchAgent) and Windows (Task Scheduler), printed by
// `install-service --dry-run --platform macos|windows` on any host. Printing only: these hosts cannot run here.
#pragma once

#include <ostream>
#include <string>

#include "service/service_spec.h"

namespace nefia::service {

struct ForeignPlanInput {
  ServiceSpec spec;      // configPath and log flags; binaryPath and stateDirectory are set per platform
  std::string home;      // macOS: the user's home
  std::string uid;       // macOS: `id -u`, for the gui/UID domain
  std::string version;
  std::string sourceBinary;
};

// Exit code 0 after printing the plan, 1 when a generator refused a value (the error is printed to err).
int printLaunchAgentPlan(ForeignPlanInput input, std::ostream& out, std::ostream& err);
int printScheduledTaskPlan(ForeignPlanInput input, std::ostream& out, std::ostream& err);

}  // namespace nefia::service
