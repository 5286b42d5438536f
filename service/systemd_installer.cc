// installSystemdService: (1) unit text, (2) dry run stops here, (3) directories and binary slot, (4) unit file,
// (5) daemon-reload, try-restart when a reinstall changed something, enable --now, (6) wait for ready workers.
#include "service/systemd_installer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "common/atomic_file.h"
#include "common/health/health_report.h"
#include "service/binary_slot.h"
#include "service/health_wait.h"
#include "service/systemd_unit.h"

namespace nefia::service {
namespace {

constexpr std::size_t kLogLinesShown = 15;
constexpr std::size_t kMaxUnitBytes = 1 << 20;

std::vector<std::string> systemctl(ServiceScope scope, std::vector<std::string> arguments) {
  std::vector<std::string> argv = {"systemctl"};
  if (scope == ServiceScope::kUser) argv.push_back("--user");
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return argv;
}

struct Plan {
  ServiceSpec spec;
  std::string unitText;
  bool reinstall = false;     // a unit file was there before
  std::string previousUnit;   // its text
  std::vector<std::vector<std::string>> commands;
};

Result<Plan> planInstall(const SystemdInstallRequest& request) {
  Plan plan;
  plan.spec = request.spec;
  plan.spec.binaryPath = request.paths.binaryLink();
  plan.spec.stateDirectory = request.paths.stateDirectory;
  Result<std::string> unit = generateSystemdUnit(plan.spec);
  if (!unit.ok()) return makeError(unit.error());
  plan.unitText = unit.value();
  Result<std::string> previous = readWholeFile(request.paths.unitPath, kMaxUnitBytes);
  plan.reinstall = previous.ok();
  if (plan.reinstall) plan.previousUnit = previous.value();
  plan.commands.push_back(systemctl(request.spec.scope, {"daemon-reload"}));
  if (plan.reinstall) plan.commands.push_back(systemctl(request.spec.scope, {"try-restart", kSystemdUnitName}));
  plan.commands.push_back(systemctl(request.spec.scope, {"enable", "--now", kSystemdUnitName}));
  return plan;
}

void printPlan(const SystemdInstallRequest& request, const Plan& plan, std::ostream& out) {
  out << "Dry run: nothing is changed.\nWould write " << request.paths.unitPath << ":\n" << plan.unitText
      << "Would copy " << request.sourceBinary << " to " << request.paths.stateDirectory << "/" << request.version
      << "/nefia-agent and point " << request.paths.stateDirectory << "/current at " << request.version << "\n";
  out << "Would create";
  for (const WorkerDirectory& directory : request.workerDirectories) {
    out << " " << directory.path;
    if (directory.owner) out << " (owner " << directory.owner->name << ")";
  }
  out << " and " << parentDirectory(plan.spec.log.logFile) << "\n";
  for (const auto& command : plan.commands) out << "Would run: " << commandText(command) << "\n";
  out << "Would wait up to " << request.healthTimeout.count() / 1000 << " s for "
      << healthReportPath(plan.spec.configPath) << " to report every worker ready\n";
}

Status prepareDirectories(const SystemdInstallRequest& request, const ServiceSpec& spec) {
  std::error_code error;
  for (const std::string& directory : {parentDirectory(request.paths.unitPath), parentDirectory(spec.log.logFile)}) {
    std::filesystem::create_directories(directory, error);
    if (error) return makeError("cannot create " + directory + ": " + error.message());
  }
  for (const WorkerDirectory& directory : request.workerDirectories) {
    std::filesystem::create_directories(directory.path, error);
    if (error) return makeError("cannot create " + directory.path + ": " + error.message());
    ::chmod(directory.path.c_str(), 0700);
    if (directory.owner && ::chown(directory.path.c_str(), directory.owner->uid, directory.owner->gid) != 0) {
      return makeError("cannot hand " + directory.path + " to user " + directory.owner->name);
    }
  }
  return Status::success();
}

bool runAll(const std::vector<std::vector<std::string>>& commands, CommandRunner& runner, std::ostream& out,
            std::ostream& err) {
  for (const auto& command : commands) {
    out << "Running: " << commandText(command) << "\n" << std::flush;
    Result<CommandResult> result = runner.run(command);
    if (!result.ok()) {
      err << "nefia-agent install-service: " << result.error() << "\n";
      return false;
    }
    if (result->exitCode != 0) {
      err << "nefia-agent install-service: `" << commandText(command) << "` failed (exit " << result->exitCode
          << "):\n" << result->output << (result->output.empty() || result->output.back() == '\n' ? "" : "\n");
      return false;
    }
  }
  return true;
}

// Directories, binary slot, unit file; true when the binary or the unit changed.
Result<bool> writeFiles(const SystemdInstallRequest& request, const Plan& plan, std::ostream& out) {
  Status prepared = prepareDirectories(request, plan.spec);
  if (!prepared.ok()) return makeError(prepared.error());
  Result<BinarySlotOutcome> slot = installBinarySlot(request.sourceBinary, request.paths.stateDirectory, request.version);
  if (!slot.ok()) return makeError(slot.error());
  out << "Binary: " << slot->versionedPath << (slot->changed ? " (installed)" : " (unchanged)") << "\n";
  const bool unitChanged = !plan.reinstall || plan.previousUnit != plan.unitText;
  Status written = writeFileAtomically(request.paths.unitPath, plan.unitText, 0644);
  if (!written.ok()) return makeError("cannot write " + request.paths.unitPath + ": " + written.error());
  out << "Unit: " << request.paths.unitPath
      << (unitChanged ? (plan.reinstall ? " (updated)" : " (written)") : " (unchanged)") << "\n";
  return slot->changed || unitChanged;
}

// After a failure: the last log lines, where to look next, and that the unit stays.
void printDiagnostics(const SystemdInstallRequest& request, const ServiceSpec& spec, std::ostream& err) {
  const std::string journal = request.spec.scope == ServiceScope::kUser ? "journalctl --user" : "journalctl";
  const std::vector<std::string> lines = lastLines(spec.log.logFile, kLogLinesShown);
  if (lines.empty()) {
    err << "The log " << spec.log.logFile << " is empty or missing.\n";
  } else {
    err << "Last lines of " << spec.log.logFile << ":\n";
    for (const std::string& line : lines) err << "  " << line << "\n";
  }
  err << "More: " << journal << " -u " << kSystemdUnitName << " -n 50\n"
      << "The unit stays installed; fix the cause, then run install-service again.\n";
}

}  // namespace

int installSystemdService(const SystemdInstallRequest& request, CommandRunner& runner, std::ostream& out,
                          std::ostream& err) {
  Result<Plan> planned = planInstall(request);
  if (!planned.ok()) {
    err << "nefia-agent install-service: " << planned.error() << "\n";
    return 1;
  }
  Plan& plan = planned.value();
  if (request.dryRun) {
    printPlan(request, plan, out);
    return 0;
  }
  Result<bool> changed = writeFiles(request, plan, out);
  if (!changed.ok()) {
    err << "nefia-agent install-service: " << changed.error() << "\n";
    return 1;
  }
  if (plan.reinstall && !changed.value()) {
    plan.commands.erase(plan.commands.begin() + 1);  // no try-restart: a running service stays untouched
  } else if (plan.reinstall) {
    out << "The unit or binary changed: a running service restarts (open SSH sessions through it are cut).\n";
  }
  const WallTime startedAt = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
  if (!runAll(plan.commands, runner, out, err)) {
    printDiagnostics(request, plan.spec, err);
    return 1;
  }
  out << "Waiting up to " << request.healthTimeout.count() / 1000 << " s for the workers to be ready...\n" << std::flush;
  // An unchanged, already running service is not restarted, so its current report counts.
  const WallTime notBefore = plan.reinstall && !changed.value() ? WallTime{} : startedAt;
  Readiness readiness = waitForWorkersReady(healthReportPath(plan.spec.configPath), notBefore, request.healthTimeout);
  if (!readiness.ready) {
    err << "nefia-agent install-service: the service did not report ready workers within "
        << request.healthTimeout.count() / 1000 << " s: " << readiness.reason << "\n";
    printDiagnostics(request, plan.spec, err);
    return 1;
  }
  if (request.spec.scope == ServiceScope::kUser) {
    out << "This user service starts when " << request.userName << " logs in; to start it at boot, run: "
        << "loginctl enable-linger " << request.userName << "\n";
  }
  out << "Service installed.\n";
  return 0;
}

}  // namespace nefia::service
