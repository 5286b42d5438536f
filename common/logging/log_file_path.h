// Where the agent's log file lives by default on each platform (reference, "Log Rotation").
// Pure path arithmetic: never creates directories or files.
#pragma once

#include <string>

#include "common/result.h"

namespace nefia {

enum class LogPlatform { kLinux, kMacOs, kWindows };

// The environment the default path depends on; empty strings mean "not set".
struct LogPathEnvironment {
  LogPlatform platform = LogPlatform::kLinux;
  std::string home;          // $HOME (Linux, macOS)
  std::string xdgStateHome;  // $XDG_STATE_HOME (Linux); ignored unless absolute, as the XDG spec says
  std::string localAppData;  // %LOCALAPPDATA% (Windows)
};

// Linux: $XDG_STATE_HOME/nefia/agent.log, else ~/.local/state/nefia/agent.log.
// macOS: ~/Library/Logs/nefia/agent.log. Windows: %LOCALAPPDATA%\nefia\logs\agent.log.
Result<std::string> defaultLogFilePath(const LogPathEnvironment& environment);

// The same for the running process (HOME falls back to the password database).
Result<std::string> defaultLogFilePath();

}  // namespace nefia
