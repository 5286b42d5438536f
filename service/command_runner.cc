// ProcessCommandRunner: posix_spawnp with stdout+stderr on one pipe, read with poll() until EOF or the
// deadline; the child is always reaped. Never goes through a shell.
#include "service/command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "common/unique_fd.h"

extern char** environ;

namespace nefia::service {
namespace {

// Reads the pipe until EOF or the deadline; returns false at the deadline.
bool drainUntil(int fd, std::chrono::steady_clock::time_point deadline, std::string& output) {
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ready == 0 ? false : true;
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;
    const std::size_t room = kMaxCommandOutputBytes - std::min(output.size(), kMaxCommandOutputBytes);
    output.append(buffer, std::min(room, static_cast<std::size_t>(got)));
  }
}

}  // namespace

std::string commandText(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& word : argv) {
    const bool plain = !word.empty() && word.find_first_of(" \t'\"\\$") == std::string::npos;
    text += (text.empty() ? "" : " ") + (plain ? word : "'" + word + "'");
  }
  return text;
}

Result<CommandResult> ProcessCommandRunner::run(const std::vector<std::string>& argv) {
  int pipeEnds[2];
  if (::pipe2(pipeEnds, O_CLOEXEC) != 0) return makeError(std::string("cannot create a pipe: ") + std::strerror(errno));
  UniqueFd readEnd(pipeEnds[0]);
  UniqueFd writeEnd(pipeEnds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, writeEnd.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, writeEnd.get(), STDERR_FILENO);
  std::vector<char*> arguments;
  for (const std::string& word : argv) arguments.push_back(const_cast<char*>(word.c_str()));
  arguments.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, arguments[0], &actions, nullptr, arguments.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return makeError("cannot run " + argv[0] + ": " + std::strerror(spawned) + " (is it installed and on PATH?)");
  }
  writeEnd.reset();
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + deadline_;
  bool finished = drainUntil(readEnd.get(), deadline, result.output);
  int status = 0;
  // EOF on the pipe does not mean exit (the child may have closed its stdout): reap within the same deadline.
  while (finished && ::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      finished = false;
      break;
    }
    ::usleep(10 * 1000);
  }
  if (!finished) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  result.exitCode = finished && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!finished) {
    result.output += "\n(killed after " + std::to_string(deadline_.count() / 1000) + " s)";
  }
  return result;
}

}  // namespace nefia::service
