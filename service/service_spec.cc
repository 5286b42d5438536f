// runArguments and parentDirectory: the pieces every generator shares, so the three platforms cannot drift.
// Pure string work; never touches the filesystem.
#include "service/service_spec.h"

namespace nefia::service {

std::vector<std::string> runArguments(const ServiceSpec& spec) {
  return {"run",
          "--config",
          spec.configPath,
          "--log-level",
          spec.log.logLevel,
          "--log-file",
          spec.log.logFile,
          "--log-max-size",
          std::to_string(spec.log.logMaxSizeMb),
          "--log-max-backups",
          std::to_string(spec.log.logMaxBackups),
          "--log-max-age",
          std::to_string(spec.log.logMaxAgeDays)};
}

std::string parentDirectory(const std::string& path) {
  const auto slash = path.find_last_of("/\\");  // Windows paths use backslashes
  if (slash == std::string::npos) return ".";
  if (slash == 0) return path.substr(0, 1);
  return path.substr(0, slash);
}

}  // namespace nefia::service
