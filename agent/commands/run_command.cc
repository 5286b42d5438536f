// runRunCommand: everything between the command line and the supervisor's event loop.
// Validation errors go to stderr (all at once) before any worker exists; secrets are registered for redaction first.
#include "agent/commands/run_command.h"

#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "build_info.h"
#include "common/atomic_file.h"
#include "common/config/config_features.h"
#include "common/config/config_loader.h"
#include "common/config/config_paths.h"
#include "common/config/config_permissions.h"
#include "common/config/go_duration.h"
#include "common/health/health_report.h"
#include "common/log.h"
#include "common/logging/log_file_path.h"
#include "common/logging/rotating_file_sink.h"
#include "supervisor/core/supervisor.h"
#include "workers/sandbox/sandbox.h"

namespace nefia::supervisor {
namespace {

constexpr const char* kComponent = "supervisor";

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

Result<std::string> ownExecutable() {
  char buffer[4096];
  size_t size = sizeof buffer;
  if (uv_exepath(buffer, &size) != 0) return makeError("cannot find our own executable (uv_exepath failed)");
  return std::string(buffer, size);
}

// A worker's only writable directory (the updater's "staging", the beacons scripts' "beacons-scratch"),
// owned by the worker user (it is created and chowned here because the sandboxed worker cannot do it).
Result<std::string> prepareWorkerDirectory(const std::string& leaf, const std::string& what, ipc::Role role) {
  std::string directory;
  if (::geteuid() == 0) {
    directory = "/var/lib/nefia-agent/" + leaf;
  } else {
    const char* state = std::getenv("XDG_STATE_HOME");
    const char* home = std::getenv("HOME");
    if (state != nullptr && state[0] == '/') {
      directory = std::string(state) + "/nefia/" + leaf;
    } else if (home != nullptr && home[0] == '/') {
      directory = std::string(home) + "/.local/state/nefia/" + leaf;
    } else {
      return makeError("cannot place " + what + ": HOME is not set");
    }
  }
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return makeError("cannot create " + directory + ": " + error.message());
  ::chmod(directory.c_str(), 0700);
  if (::geteuid() == 0) {
    Result<sandbox::WorkerIdentity> identity = sandbox::resolveWorkerUser("", role);
    if (!identity.ok()) return makeError(identity.error());
    // install-service creates it with this owner, so the hardened unit needs no CAP_CHOWN.
    struct stat existing{};
    const bool owned = ::stat(directory.c_str(), &existing) == 0 && existing.st_uid == identity->uid &&
                       existing.st_gid == identity->gid;
    if (!owned && ::chown(directory.c_str(), identity->uid, identity->gid) != 0) {
      return makeError("cannot hand " + directory + " to user " + identity->name + ": " + std::strerror(errno));
    }
    // What an earlier version left there under another worker user (lchown: never follow a link out).
    for (auto entry = std::filesystem::recursive_directory_iterator(directory, error);
         !error && entry != std::filesystem::recursive_directory_iterator(); entry.increment(error)) {
      if (::lchown(entry->path().c_str(), identity->uid, identity->gid) != 0) continue;  // the run reports it
    }
  }
  return directory;
}

Status setUpLogging(const cli::CommandLine& commandLine) {
  Logger& logger = Logger::instance();
  logger.setLevel(parseLogLevel(commandLine.logLevel).value_or(LogLevel::kInfo));
  logger.clearSinks();
  logger.addSink(makeStderrSink());
  std::string path = commandLine.run.logFile;
  if (path.empty()) {
    Result<std::string> defaultPath = defaultLogFilePath();
    if (!defaultPath.ok()) return makeError(defaultPath.error());
    path = defaultPath.value();
  }
  auto options = rotatingFileOptionsFromFlags(path, commandLine.run.logMaxSizeMb, commandLine.run.logMaxBackups,
                                              commandLine.run.logMaxAgeDays);
  if (!options.ok()) return makeError(options.error());
  auto sink = RotatingFileSink::open(options.value());
  if (!sink.ok()) return makeError("--log-file " + path + ": " + sink.error());
  logger.addSink(sink.value());
  for (const std::string& notice : sink.value()->takeNotices()) logWarn(kComponent, notice);
  return Status::success();
}

// Runs the supervisor on its own loop until it stopped, then closes the loop; returns the exit code.
int runSupervisor(const SupervisorOptions& options, AgentConfig config) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int exitCode = 1;
  {
    Supervisor supervisor(&loop, options, std::move(config));
    Status started = supervisor.start();
    if (!started.ok()) {
      logError(kComponent, "cannot start: ", started.error());
    } else {
      exitCode = supervisor.run();
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // close callbacks of everything the supervisor owned
  if (uv_loop_close(&loop) != 0) logWarn(kComponent, "event loop still had open handles at exit");
  logInfo(kComponent, "exited with code ", exitCode);
  return exitCode;
}

}  // namespace

int runRunCommand(const cli::CommandLine& commandLine) {
  std::string configPath = commandLine.configPath;
  if (configPath.empty()) {
    Result<std::string> defaultPath = defaultConfigPath();
    if (!defaultPath.ok()) {
      std::cerr << "nefia-agent run: " << defaultPath.error() << "; pass --config PATH\n";
      return 1;
    }
    configPath = defaultPath.value();
  }
  Result<Duration> autoUpdate = parseGoDuration(commandLine.run.autoUpdateInterval);
  if (!autoUpdate.ok()) {
    std::cerr << "nefia-agent run: --auto-update-interval: " << autoUpdate.error() << "\n";
    return 2;
  }
  Result<LoadedConfig> loaded = loadAgentConfig(configPath);
  if (!loaded.ok()) {
    std::cerr << "nefia-agent run: invalid config, not starting:\n" << loaded.error() << "\n";
    return 1;
  }
  AgentConfig& config = loaded->config;
  registerConfigSecrets(config);

  Result<PermissionVerdict> permissions = checkConfigPermissions(configPath, config, commandLine.run.strictPermissions);
  if (!permissions.ok()) {
    std::cerr << "nefia-agent run: " << permissions.error() << "\n";
    return 1;
  }
  Status logging = setUpLogging(commandLine);
  if (!logging.ok()) {
    std::cerr << "nefia-agent run: " << logging.error() << "\n";
    return 1;
  }
  if (!permissions->warning.empty()) logWarn(kComponent, permissions->warning);

  const bool keyring = isKeyringReference(config.privateKey) || isKeyringReference(config.agentToken);
  logInfo(kComponent, "nefia-agent ", build::kVersion, " (commit ", build::kCommit, ") starting: ", config.peers.size(),
          " peer(s), auto-update ",
          autoUpdate->count() == 0 ? std::string("disabled") : "every " + commandLine.run.autoUpdateInterval,
          ", config ", configPath, ", keyring ", keyring ? "referenced" : "not used (secrets in the config file)");
  std::vector<std::string> unsupported = unsupportedConfiguredFeatures(config);
  if (autoUpdate->count() != 0) unsupported.push_back("--auto-update-interval");
  if (!unsupported.empty()) {
    logWarn(kComponent, "not yet supported, configured but inactive: ", joined(unsupported));
  }
  if (!loaded->unknownFields.empty()) {
    logWarn(kComponent, "unknown config fields, ignored (kept when the agent rewrites the file): ",
            joined(loaded->unknownFields));
  }

  // Temp files of a previous run killed mid-write (kill -9, power loss); the config's may hold a private key.
  for (const std::string& path : {healthReportPath(configPath), configPath}) {
    for (const std::string& removed : removeLeftoverTempFiles(path)) {
      logInfo(kComponent, "removed ", removed, ", left by an earlier run that was killed while writing");
    }
  }

  Result<std::string> executable = ownExecutable();
  if (!executable.ok()) {
    logError(kComponent, executable.error());
    return 1;
  }
  Result<std::string> staging = prepareWorkerDirectory("staging", "the updater's staging directory", ipc::Role::kUpdater);
  Result<std::string> scratch =
      prepareWorkerDirectory("beacons-scratch", "the beacons' scratch directory", ipc::Role::kBeacons);
  for (const Result<std::string>* directory : {&staging, &scratch}) {
    if (!directory->ok()) {
      logError(kComponent, directory->error());
      return 1;
    }
  }
  SupervisorOptions options;
  options.configPath = configPath;
  options.executable = executable.value();
  options.strictPermissions = commandLine.run.strictPermissions;
  options.workerArguments = {"--log-level", commandLine.logLevel, "--staging-dir", staging.value(),
                              "--scratch-dir", scratch.value()};

  return runSupervisor(options, std::move(config));
}

}  // namespace nefia::supervisor
