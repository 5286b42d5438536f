// Where install-service puts things on Linux: the unit directory and the agent's state directory, for the
// system manager (root) or the user's manager. Pure path arithmetic; never creates anything.
#pragma once

#include <string>

#include "common/result.h"
#include "service/service_spec.h"

namespace nefia::service {

struct InstallEnvironment {
  std::string home;           // $HOME or the passwd entry's home
  std::string xdgConfigHome;  // ignored unless absolute (XDG spec)
  std::string xdgStateHome;   // ignored unless absolute
  std::string testRoot;       // NEFIA_TEST_HOOKS builds: prefix for the system paths, "" otherwise
};

struct InstallPaths {
  std::string unitPath;        // /etc/systemd/system/nefia-agent.service or ~/.config/systemd/user/...
  std::string stateDirectory;  // /var/lib/nefia-agent or $XDG_STATE_HOME/nefia (the run command's staging parent)
  std::string binaryLink() const { return stateDirectory + "/current/nefia-agent"; }
  std::string stagingDirectory() const { return stateDirectory + "/staging"; }
  std::string beaconsScratchDirectory() const { return stateDirectory + "/beacons-scratch"; }
};

// Errors: a user install without a home directory.
Result<InstallPaths> installPathsFor(ServiceScope scope, const InstallEnvironment& environment);

}  // namespace nefia::service
