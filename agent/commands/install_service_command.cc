// install-service: (1) config path made absolute and validated (nothing is written when it fails), (2) the
// log file the service will use, (3) dry-run previews for other platforms, (4) the systemd installer.
#include "agent/commands/install_service_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <utility>

#include "build_info.h"
#include "common/config/config_loader.h"
#include "common/config/config_paths.h"
#include "common/logging/log_file_path.h"
#include "service/foreign_platform_plans.h"
#include "service/systemd_installer.h"
#include "workers/sandbox/sandbox.h"

namespace nefia::agent {
namespace {

constexpr const char* kPrefix = "nefia-agent install-service: ";
constexpr auto kHealthTimeout = std::chrono::seconds(30);
constexpr auto kSystemctlDeadline = std::chrono::seconds(120);  // enable --now waits for READY=1 (90 s default)

std::string environmentValue(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

Result<std::string> absoluteConfigPath(const cli::CommandLine& commandLine) {
  std::string path = commandLine.configPath;
  if (path.empty()) {
    Result<std::string> defaultPath = defaultConfigPath();
    if (!defaultPath.ok()) return makeError(defaultPath.error() + "; pass --config PATH");
    path = defaultPath.value();
  }
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) return makeError("--config " + path + ": " + error.message());
  return absolute.lexically_normal().string();
}

Result<std::string> logFileFor(const cli::CommandLine& commandLine, LogPlatform platform) {
  if (!commandLine.run.logFile.empty()) {
    std::error_code error;
    return std::filesystem::absolute(commandLine.run.logFile, error).lexically_normal().string();
  }
  if (platform == LogPlatform::kLinux) return defaultLogFilePath();
  LogPathEnvironment environment;
  environment.platform = platform;
  environment.home = environmentValue("HOME");
  environment.localAppData = "%LOCALAPPDATA%";
  return defaultLogFilePath(environment);
}

service::ServiceSpec specFor(const cli::CommandLine& commandLine, const std::string& configPath,
                             const std::string& logFile) {
  service::ServiceSpec spec;
  spec.scope = ::geteuid() == 0 ? service::ServiceScope::kSystem : service::ServiceScope::kUser;
  spec.configPath = configPath;
  spec.log.logLevel = commandLine.logLevel;
  spec.log.logFile = logFile;
  spec.log.logMaxSizeMb = commandLine.run.logMaxSizeMb;
  spec.log.logMaxBackups = commandLine.run.logMaxBackups;
  spec.log.logMaxAgeDays = commandLine.run.logMaxAgeDays;
  return spec;
}

std::string ownExecutable() {
  std::error_code error;
  return std::filesystem::read_symlink("/proc/self/exe", error).string();
}

// Test builds only: system paths under a scratch root and a shorter wait, so tests need no systemd.
void applyTestOverrides(service::InstallEnvironment& environment, service::SystemdInstallRequest& request) {
#ifdef NEFIA_TEST_HOOKS
  environment.testRoot = environmentValue("NEFIA_TEST_SERVICE_ROOT");
  const std::string wait = environmentValue("NEFIA_TEST_SERVICE_WAIT_MS");
  if (!wait.empty()) request.healthTimeout = std::chrono::milliseconds(std::atoll(wait.c_str()));
#else
  (void)environment;
  (void)request;
#endif
}

int installOnLinux(const cli::CommandLine& commandLine, service::ServiceSpec spec, std::ostream& out,
                   std::ostream& err) {
  service::SystemdInstallRequest request;
  request.spec = std::move(spec);
  request.sourceBinary = ownExecutable();
  request.version = build::kVersion;
  request.dryRun = commandLine.installService.dryRun;
  request.healthTimeout = kHealthTimeout;
  service::InstallEnvironment environment;
  environment.home = environmentValue("HOME");
  environment.xdgConfigHome = environmentValue("XDG_CONFIG_HOME");
  environment.xdgStateHome = environmentValue("XDG_STATE_HOME");
  applyTestOverrides(environment, request);
  Result<service::InstallPaths> paths = service::installPathsFor(request.spec.scope, environment);
  if (!paths.ok()) {
    err << kPrefix << paths.error() << "\n";
    return 1;
  }
  request.paths = paths.value();
  request.workerDirectories = {{request.paths.stagingDirectory(), std::nullopt},
                                {request.paths.beaconsScratchDirectory(), std::nullopt}};
  if (request.spec.scope == service::ServiceScope::kSystem) {
    // The same users the run command hands these directories to (sandbox::resolveWorkerUser per role).
    for (auto [index, role] : {std::pair{0, ipc::Role::kUpdater}, std::pair{1, ipc::Role::kBeacons}}) {
      Result<sandbox::WorkerIdentity> worker = sandbox::resolveWorkerUser("", role);
      if (!worker.ok()) {
        err << kPrefix << worker.error() << "\n";
        return 1;
      }
      request.workerDirectories[index].owner = service::DirectoryOwner{worker->name, worker->uid, worker->gid};
    }
  } else {
    request.userName = environmentValue("USER").empty() ? std::to_string(::geteuid()) : environmentValue("USER");
  }
  service::ProcessCommandRunner runner(kSystemctlDeadline);
  return service::installSystemdService(request, runner, out, err);
}

}  // namespace

int runInstallServiceCommand(const cli::CommandLine& commandLine, std::ostream& out, std::ostream& err) {
  const std::string& platform = commandLine.installService.platform;
  if (!platform.empty() && platform != "linux" && !commandLine.installService.dryRun) {
    err << kPrefix << "--platform " << platform
        << " prints another platform's service file and needs --dry-run; this host runs Linux\n";
    return 2;
  }
  Result<std::string> configPath = absoluteConfigPath(commandLine);
  if (!configPath.ok()) {
    err << kPrefix << configPath.error() << "\n";
    return 1;
  }
  Result<LoadedConfig> loaded = loadAgentConfig(configPath.value());
  if (!loaded.ok()) {
    err << kPrefix << "invalid config, nothing was installed:\n" << loaded.error() << "\n";
    return 1;
  }
  const LogPlatform logPlatform = platform == "macos"     ? LogPlatform::kMacOs
                                  : platform == "windows" ? LogPlatform::kWindows
                                                          : LogPlatform::kLinux;
  Result<std::string> logFile = logFileFor(commandLine, logPlatform);
  if (!logFile.ok()) {
    err << kPrefix << logFile.error() << "; pass --log-file PATH\n";
    return 1;
  }
  service::ServiceSpec spec = specFor(commandLine, configPath.value(), logFile.value());
  if (logPlatform != LogPlatform::kLinux) {
    service::ForeignPlanInput input{spec, environmentValue("HOME"), std::to_string(::getuid()), build::kVersion,
                                    ownExecutable()};
    return logPlatform == LogPlatform::kMacOs ? service::printLaunchAgentPlan(input, out, err)
                                              : service::printScheduledTaskPlan(input, out, err);
  }
  return installOnLinux(commandLine, std::move(spec), out, err);
}

}  // namespace nefia::agent
