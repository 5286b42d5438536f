// uninstallSystemdService: disable --now, remove the unit, daemon-reload. Config, keys, logs and the binary
// slot are never touched here: an admin who uninstalls may reinstall, and the keys cannot be recreated.
#include "service/systemd_installer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/atomic_file.h"

namespace nefia::service {
namespace {

constexpr std::size_t kMaxUnitBytes = 1 << 20;

std::string unquoted(const std::string& word) {
  if (word.size() >= 2 && word.front() == '"' && word.back() == '"') return word.substr(1, word.size() - 2);
  return word;
}

bool runChecked(const std::vector<std::string>& command, CommandRunner& runner, std::ostream& out, std::ostream& err) {
  out << "Running: " << commandText(command) << "\n" << std::flush;
  Result<CommandResult> result = runner.run(command);
  if (!result.ok()) {
    err << "nefia-agent uninstall-service: " << result.error() << "\n";
    return false;
  }
  if (result->exitCode != 0) {
    err << "nefia-agent uninstall-service: `" << commandText(command) << "` failed (exit " << result->exitCode
        << "):\n" << result->output << (result->output.empty() || result->output.back() == '\n' ? "" : "\n");
    return false;
  }
  return true;
}

}  // namespace

std::string configPathFromUnit(const std::string& unitText) {
  std::istringstream lines(unitText);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("ExecStart=", 0) != 0) continue;
    const auto flag = line.find(" --config ");
    if (flag == std::string::npos) return "";
    const std::size_t start = flag + 10;
    if (start < line.size() && line[start] == '"') {
      const auto end = line.find('"', start + 1);
      return end == std::string::npos ? "" : unquoted(line.substr(start, end - start + 1));
    }
    return line.substr(start, line.find(' ', start) - start);
  }
  return "";
}

int uninstallSystemdService(ServiceScope scope, const InstallPaths& paths, CommandRunner& runner, std::ostream& out,
                            std::ostream& err) {
  ReadFailure failure = ReadFailure::kNone;
  Result<std::string> unit = readWholeFile(paths.unitPath, kMaxUnitBytes, &failure);
  if (!unit.ok() && failure == ReadFailure::kMissing) {
    out << "No nefia-agent service is installed (" << paths.unitPath << " does not exist); nothing to remove.\n";
    return 0;
  }
  if (!unit.ok()) {
    err << "nefia-agent uninstall-service: " << unit.error() << "\n";
    return 1;
  }
  std::vector<std::string> systemctl = {"systemctl"};
  if (scope == ServiceScope::kUser) systemctl.push_back("--user");
  auto command = [&systemctl](std::vector<std::string> arguments) {
    std::vector<std::string> argv = systemctl;
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return argv;
  };
  if (!runChecked(command({"disable", "--now", kSystemdUnitName}), runner, out, err)) {
    err << "The unit stays at " << paths.unitPath << "; fix the cause and run uninstall-service again.\n";
    return 1;
  }
  if (::unlink(paths.unitPath.c_str()) != 0 && errno != ENOENT) {
    err << "nefia-agent uninstall-service: cannot remove " << paths.unitPath << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  out << "Removed " << paths.unitPath << "\n";
  if (!runChecked(command({"daemon-reload"}), runner, out, err)) return 1;
  const std::string config = configPathFromUnit(unit.value());
  out << "Service removed. Kept: the config" << (config.empty() ? "" : " " + config)
      << " with its keys, the logs, and the binary copies in " << paths.stateDirectory
      << " (delete them yourself if you no longer need them).\n";
  return 0;
}

}  // namespace nefia::service
