// uninstall-service: asks on a terminal, refuses without --yes otherwise (scripts must say so explicitly),
// then removes the systemd unit of this user's scope (root: the system unit).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "agent/commands/install_service_command.h"
#include "service/systemd_installer.h"

namespace nefia::agent {
namespace {

constexpr auto kSystemctlDeadline = std::chrono::seconds(120);

std::string environmentValue(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

bool confirmed(const std::string& unitPath, std::istream& in, std::ostream& out) {
  out << "Stop nefia-agent and remove " << unitPath << "? Config, keys and logs are kept. [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(in, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace

int runUninstallServiceCommand(const cli::CommandLine& commandLine, bool stdinIsTerminal, std::istream& in,
                               std::ostream& out, std::ostream& err) {
  const service::ServiceScope scope = ::geteuid() == 0 ? service::ServiceScope::kSystem : service::ServiceScope::kUser;
  service::InstallEnvironment environment;
  environment.home = environmentValue("HOME");
  environment.xdgConfigHome = environmentValue("XDG_CONFIG_HOME");
  environment.xdgStateHome = environmentValue("XDG_STATE_HOME");
#ifdef NEFIA_TEST_HOOKS
  environment.testRoot = environmentValue("NEFIA_TEST_SERVICE_ROOT");
#endif
  Result<service::InstallPaths> paths = service::installPathsFor(scope, environment);
  if (!paths.ok()) {
    err << "nefia-agent uninstall-service: " << paths.error() << "\n";
    return 1;
  }
  if (!commandLine.uninstall.yes) {
    if (!stdinIsTerminal) {
      err << "nefia-agent uninstall-service: refusing to remove the service without confirmation: standard input "
             "is not a terminal; pass --yes\n";
      return 1;
    }
    if (!confirmed(paths->unitPath, in, out)) {
      out << "Nothing was changed.\n";
      return 1;
    }
  }
  service::ProcessCommandRunner runner(kSystemctlDeadline);
  return service::uninstallSystemdService(scope, paths.value(), runner, out, err);
}

}  // namespace nefia::agent
