// installPathsFor: the system paths (under a test root in test builds) or the XDG user paths.
// The user state directory matches run_command's staging directory, so both agree where staging lives.
#include "service/install_paths.h"

namespace nefia::service {

Result<InstallPaths> installPathsFor(ServiceScope scope, const InstallEnvironment& environment) {
  InstallPaths paths;
  if (scope == ServiceScope::kSystem) {
    paths.unitPath = environment.testRoot + "/etc/systemd/system/" + kSystemdUnitName;
    paths.stateDirectory = environment.testRoot + "/var/lib/nefia-agent";
    return paths;
  }
  if (environment.home.empty() || environment.home[0] != '/') {
    return makeError("cannot place a user service: HOME is not set to an absolute path");
  }
  const std::string config = !environment.xdgConfigHome.empty() && environment.xdgConfigHome[0] == '/'
                                 ? environment.xdgConfigHome
                                 : environment.home + "/.config";
  const std::string state = !environment.xdgStateHome.empty() && environment.xdgStateHome[0] == '/'
                                ? environment.xdgStateHome
                                : environment.home + "/.local/state";
  paths.unitPath = config + "/systemd/user/" + kSystemdUnitName;
  paths.stateDirectory = state + "/nefia";
  return paths;
}

}  // namespace nefia::service
