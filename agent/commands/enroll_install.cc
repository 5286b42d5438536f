// installAfterEnrollment: the enroll command's global flags (--log-level) carry over; the log rotation flags
// are run's defaults, as for a plain `install-service --config PATH`.
#include "agent/commands/enroll_install.h"

#include <ostream>

#include "agent/commands/install_service_command.h"

namespace nefia::agent {

int installAfterEnrollment(const cli::CommandLine& commandLine, const std::string& configPath, std::ostream& out,
                           std::ostream& err) {
  cli::CommandLine install;
  install.command = cli::Command::kInstallService;
  install.configPath = configPath;
  install.logLevel = commandLine.logLevel;
  const int exitCode = runInstallServiceCommand(install, out, err);
  if (exitCode != 0) {
    err << "nefia-agent enroll: enrollment succeeded and the config is kept at " << configPath
        << ", but the service was not installed (see above); retry with: nefia-agent install-service --config "
        << configPath << "\n";
  }
  return exitCode;
}

}  // namespace nefia::agent
