// The parsed `nefia-agent` command line: one struct per subcommand, names and defaults from the reference.
// Parsing only; nothing here touches files, the network or the config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nefia::cli {

enum class Command { kNone, kEnroll, kRun, kInstallService, kUninstallService, kStatus, kWol, kVersion, kWorker };

struct EnrollOptions {
  std::string token;
  std::string tokenFile;
  std::string outDir;
  std::string sshAddr = "127.0.0.1:22";
  bool force = false;
  bool yes = false;
  bool install = false;
};

struct RunOptions {
  bool strictPermissions = true;
  std::string autoUpdateInterval = "0";
  std::string logFile;  // empty: platform default
  int logMaxSizeMb = 50;
  int logMaxBackups = 5;
  int logMaxAgeDays = 30;
};

// install-service also takes run's log flags (in CommandLine::run), which it passes through to the service.
struct InstallServiceOptions {
  bool dryRun = false;
  std::string platform;  // "", "linux", "macos", "windows": whose service file --dry-run prints ("": this host)
};

struct UninstallOptions {
  bool yes = false;
};

struct StatusOptions {
  bool json = false;
};

struct WolOptions {
  std::string mac;
  std::string broadcast = "255.255.255.255";
  uint16_t port = 9;
};

struct WorkerOptions {
  std::string name;
  std::string sandboxMode;  // "" (enforce) or "log" in NEFIA_TEST_HOOKS builds
  std::string stagingDir;   // the updater's only writable directory
  std::string scratchDir;   // the beacons scripts' only writable directory
  std::string fault;        // NEFIA_TEST_HOOKS builds: crash_at_start, hang, garbage
};

struct CommandLine {
  Command command = Command::kNone;
  std::string configPath;  // global --config; empty: ~/.nefia/agent.yaml
  std::string logLevel = "info";
  EnrollOptions enroll;
  RunOptions run;
  InstallServiceOptions installService;
  UninstallOptions uninstall;
  StatusOptions status;
  WolOptions wol;
  WorkerOptions worker;
};

// Outcome of parsing: either a command line, or text to print and the exit code (help: 0, usage error: 2).
struct ParseOutcome {
  std::optional<CommandLine> commandLine;
  std::string output;  // printed to stdout (help) or stderr (errors)
  int exitCode = 0;
  bool outputIsError = false;
};

inline constexpr int kUsageExitCode = 2;

ParseOutcome parseCommandLine(int argc, const char* const* argv);

}  // namespace nefia::cli
