// What a service definition is generated from: the binary, the config, the log flags, the scope and where
// state lives. Plain data shared by the systemd, launchd and Task Scheduler generators; no I/O here.
#pragma once

#include <string>
#include <vector>

namespace nefia::service {

enum class ServicePlatform { kLinux, kMacOs, kWindows };
// kSystem: started at boot by the system manager (root); kUser: the user's own manager (no root needed).
enum class ServiceScope { kSystem, kUser };

inline constexpr const char* kSystemdUnitName = "nefia-agent.service";
inline constexpr const char* kLaunchdLabel = "com.nefia.agent";
inline constexpr const char* kScheduledTaskName = "nefia-agent";

// The `run` log flags of the reference ("Log Rotation"), passed through to the service's command line.
struct LogFlags {
  std::string logLevel = "info";
  std::string logFile;  // absolute; the generators always name it so the service never guesses a home
  int logMaxSizeMb = 50;
  int logMaxBackups = 5;
  int logMaxAgeDays = 30;
};

struct ServiceSpec {
  ServiceScope scope = ServiceScope::kSystem;
  std::string binaryPath;  // the stable link the service runs, e.g. /var/lib/nefia-agent/current/nefia-agent
  std::string configPath;  // absolute
  LogFlags log;
  std::string stateDirectory;  // versioned binaries, the updater's staging dir: /var/lib/nefia-agent
};

// `run --config PATH --log-level L --log-file F --log-max-size N ...`: the arguments after the binary,
// identical on every platform.
std::vector<std::string> runArguments(const ServiceSpec& spec);

// The directory part of an absolute path ("/a/b/c" -> "/a/b"; "/c" -> "/").
std::string parentDirectory(const std::string& path);

}  // namespace nefia::service
