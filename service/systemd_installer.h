// install-service / uninstall-service on Linux with systemd: write the unit, the binary slot and the
// directories the hardened unit needs, drive systemctl through a CommandRunner, check the health report.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <vector>
#include <ostream>
#include <string>

#include "service/command_runner.h"
#include "service/install_paths.h"
#include "service/service_spec.h"

namespace nefia::service {

struct DirectoryOwner {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct WorkerDirectory {
  std::string path;
  std::optional<DirectoryOwner> owner;  // none: the installing user keeps it (user scope)
};

struct SystemdInstallRequest {
  ServiceSpec spec;  // binaryPath and stateDirectory are filled in from paths
  InstallPaths paths;
  std::string sourceBinary;  // the binary install-service runs from
  std::string version;       // build::kVersion: the slot's directory name
  std::string userName;      // user scope: named in the `loginctl enable-linger` hint
  // The workers' writable directories (the updater's staging dir, the beacons scripts' scratch dir) with
  // their owners (system scope: each worker's user), created here so the hardened unit needs no CAP_CHOWN.
  std::vector<WorkerDirectory> workerDirectories;
  std::chrono::milliseconds healthTimeout{30000};
  bool dryRun = false;
};

// Exit code: 0 installed and workers ready (last line "Service installed."), 1 otherwise with the reason.
int installSystemdService(const SystemdInstallRequest& request, CommandRunner& runner, std::ostream& out,
                          std::ostream& err);

// Exit code 0 when no unit is left (also when none was installed); keeps config, keys, logs and says so.
int uninstallSystemdService(ServiceScope scope, const InstallPaths& paths, CommandRunner& runner, std::ostream& out,
                            std::ostream& err);

// The --config value of the ExecStart line of an installed unit ("" when there is none).
std::string configPathFromUnit(const std::string& unitText);

}  // namespace nefia::service
