// Build tool: prints one generated service file, for the package's unit (packaging/) and for the tests that
// check the files with real parsers and systemd-analyze. Usage: see the usage line below.
#include <iostream>
#include <string>

#include "service/launchd_plist.h"
#include "service/scheduled_task_xml.h"
#include "service/systemd_unit.h"

int main(int argc, char** argv) {
  using namespace nefia::service;
  if (argc != 8) {
    std::cerr << "usage: service_file_printer systemd|plist|task system|user BINARY CONFIG LOG_FILE STATE_DIR HOME\n";
    return 2;
  }
  const std::string kind = argv[1];
  ServiceSpec spec;
  spec.scope = std::string(argv[2]) == "user" ? ServiceScope::kUser : ServiceScope::kSystem;
  spec.binaryPath = argv[3];
  spec.configPath = argv[4];
  spec.log.logFile = argv[5];
  spec.stateDirectory = argv[6];
  const std::string home = argv[7];
  nefia::Result<std::string> text = kind == "systemd" ? generateSystemdUnit(spec)
                                    : kind == "plist" ? generateLaunchAgentPlist(spec, home)
                                                      : generateScheduledTaskXml(spec);
  if (!text.ok()) {
    std::cerr << text.error() << "\n";
    return 1;
  }
  std::cout << text.value();
  return 0;
}
