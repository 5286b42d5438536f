// Runs the service manager's programs (systemctl, launchctl, schtasks) for the installers: a seam so tests put
// a fake on PATH or pass a fake runner. Every run has a total deadline and a cap on the output it keeps.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace nefia::service {

struct CommandResult {
  int exitCode = 0;    // -1 when killed at the deadline or by a signal
  std::string output;  // stdout and stderr interleaved, at most kMaxCommandOutputBytes
};

inline constexpr std::size_t kMaxCommandOutputBytes = 64 * 1024;

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Errors: the program could not be started at all (not on PATH).
  virtual Result<CommandResult> run(const std::vector<std::string>& argv) = 0;
};

// Looks the program up on PATH, kills it (SIGKILL) when it outlives the deadline.
class ProcessCommandRunner : public CommandRunner {
 public:
  explicit ProcessCommandRunner(std::chrono::milliseconds deadline) : deadline_(deadline) {}
  Result<CommandResult> run(const std::vector<std::string>& argv) override;

 private:
  std::chrono::milliseconds deadline_;
};

// "systemctl --user enable --now nefia-agent.service": argv as a user reads it (spaces quoted).
std::string commandText(const std::vector<std::string>& argv);

}  // namespace nefia::service
