// printLaunchAgentPlan / printScheduledTaskPlan: the same slot layout as Linux (<state>/<version>, current),
// the generated file, then the exact launchctl / schtasks commands in order.
#include "service/foreign_platform_plans.h"

#include "service/launchd_plist.h"
#include "service/scheduled_task_xml.h"

namespace nefia::service {

int printLaunchAgentPlan(ForeignPlanInput input, std::ostream& out, std::ostream& err) {
  input.spec.stateDirectory = input.home + "/Library/Application Support/nefia";
  input.spec.binaryPath = input.spec.stateDirectory + "/current/nefia-agent";
  Result<std::string> plist = generateLaunchAgentPlist(input.spec, input.home);
  if (!plist.ok()) {
    err << "nefia-agent install-service: " << plist.error() << "\n";
    return 1;
  }
  const std::string path = launchAgentPlistPath(input.home);
  const std::string domain = "gui/" + input.uid;
  out << "Dry run (macOS LaunchAgent): nothing is changed.\nWould write " << path << ":\n" << plist.value()
      << "Would copy " << input.sourceBinary << " to " << input.spec.stateDirectory << "/" << input.version
      << "/nefia-agent and point " << input.spec.stateDirectory << "/current at " << input.version << "\n"
      << "Would create " << input.home << "/Library/Logs/nefia\n"
      << "Would run: launchctl bootout " << domain << "/" << kLaunchdLabel << " (only when it is already loaded)\n"
      << "Would run: launchctl bootstrap " << domain << " '" << path << "'\n"
      << "Would run: launchctl print " << domain << "/" << kLaunchdLabel << " (to check that it runs)\n";
  return 0;
}

int printScheduledTaskPlan(ForeignPlanInput input, std::ostream& out, std::ostream& err) {
  input.spec.stateDirectory = "%LOCALAPPDATA%\\nefia";
  input.spec.binaryPath = input.spec.stateDirectory + "\\current\\nefia-agent.exe";
  Result<std::string> xml = generateScheduledTaskXml(input.spec);
  if (!xml.ok()) {
    err << "nefia-agent install-service: " << xml.error() << "\n";
    return 1;
  }
  const std::string file = input.spec.stateDirectory + "\\nefia-agent-task.xml";
  out << "Dry run (Windows Task Scheduler): nothing is changed.\nWould write " << file << " (UTF-16LE):\n"
      << xml.value() << "Would copy " << input.sourceBinary << " to " << input.spec.stateDirectory << "\\"
      << input.version << "\\nefia-agent.exe and point " << input.spec.stateDirectory << "\\current at it\n"
      << "Would run: schtasks /Create /TN " << kScheduledTaskName << " /XML \"" << file << "\" /F\n"
      << "Would run: schtasks /Run /TN " << kScheduledTaskName << "\n";
  return 0;
}

}  // namespace nefia::service
