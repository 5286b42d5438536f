// Default log file location per platform, from the environment of the running process.
// Never creates anything; the sink creates the parent directory when it opens the file.
#include "common/logging/log_file_path.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace nefia {
namespace {

std::string environmentValue(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string homeDirectory() {
  std::string home = environmentValue("HOME");
  if (!home.empty()) return home;
  const passwd* entry = ::getpwuid(::getuid());
  if (entry != nullptr && entry->pw_dir != nullptr) return entry->pw_dir;
  return {};
}

}  // namespace

Result<std::string> defaultLogFilePath(const LogPathEnvironment& environment) {
  switch (environment.platform) {
    case LogPlatform::kWindows:
      if (environment.localAppData.empty()) {
        return makeError("cannot choose a default log file: %LOCALAPPDATA% is not set; pass --log-file <path>");
      }
      return environment.localAppData + "\\nefia\\logs\\agent.log";
    case LogPlatform::kMacOs:
      if (environment.home.empty()) {
        return makeError("cannot choose a default log file: HOME is not set; pass --log-file <path>");
      }
      return environment.home + "/Library/Logs/nefia/agent.log";
    case LogPlatform::kLinux:
      if (!environment.xdgStateHome.empty() && environment.xdgStateHome.front() == '/') {
        return environment.xdgStateHome + "/nefia/agent.log";
      }
      if (environment.home.empty()) {
        return makeError(
            "cannot choose a default log file: neither XDG_STATE_HOME nor HOME is set; pass --log-file <path>");
      }
      return environment.home + "/.local/state/nefia/agent.log";
  }
  return makeError("cannot choose a default log file for this platform; pass --log-file <path>");
}

Result<std::string> defaultLogFilePath() {
  LogPathEnvironment environment;
#if defined(__APPLE__)
  environment.platform = LogPlatform::kMacOs;
#elif defined(_WIN32)
  environment.platform = LogPlatform::kWindows;
  environment.localAppData = environmentValue("LOCALAPPDATA");
#else
  environment.platform = LogPlatform::kLinux;
  environment.xdgStateHome = environmentValue("XDG_STATE_HOME");
#endif
  environment.home = homeDirectory();
  return defaultLogFilePath(environment);
}

}  // namespace nefia
