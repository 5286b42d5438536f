// Runs `wg` with posix_spawnp (no shell, arguments passed as a vector) and reads its output through a pipe with a
// size cap and a total deadline. Output parsing is strict about field counts so a changed `wg` format is an error,
// not a wrong answer.
#include "operator/wireguard_control.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace nefia::hub {
namespace {

constexpr std::size_t kMaxToolOutput = 4 * 1024 * 1024;

std::vector<std::string> splitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

// The child's output until it closes the pipe, at most kMaxToolOutput kept; an error when the deadline passes.
Result<std::string> readUntilClosed(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string output;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return makeError("deadline");
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return makeError(std::strerror(errno));
    if (ready == 0) continue;  // the deadline check above ends it
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return output;
    if (output.size() < kMaxToolOutput) output.append(buffer, static_cast<std::size_t>(got));
  }
}

}  // namespace

Result<std::string> WgToolControl::run(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {wg_};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  std::vector<char*> pointers;
  for (std::string& argument : argv) pointers.push_back(argument.data());
  pointers.push_back(nullptr);
  std::string command = wg_;
  for (const std::string& argument : arguments) command += " " + argument;
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return makeError("cannot run wg: pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);  // its own group: a timeout kills all of it
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, wg_.c_str(), &actions, &attributes, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pipeFds[1]);
  if (spawned != 0) {
    ::close(pipeFds[0]);
    return makeError("cannot run " + wg_ + ": " + std::string(std::strerror(spawned)) + "; install wireguard-tools");
  }
  Result<std::string> output = readUntilClosed(pipeFds[0], std::chrono::steady_clock::now() + timeout_);
  ::close(pipeFds[0]);
  if (!output.ok()) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!output.ok()) {
    return makeError("`" + command + "` did not finish within " + std::to_string(timeout_.count()) +
                     " ms and was killed; is WireGuard interface " + interface_ + " responsive?");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string text = output.value();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return makeError("`" + command + "` failed: " + text + "; is WireGuard interface " + interface_ + " up?");
  }
  return output;
}

Result<std::string> WgToolControl::publicKey() {
  Result<std::string> output = run({"show", interface_, "public-key"});
  if (!output.ok()) return output;
  std::string key = output.value();
  while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
  if (key.empty() || key == "(none)") {
    return makeError("WireGuard interface " + interface_ + " has no private key; set one with `wg set`");
  }
  return key;
}

Result<uint16_t> WgToolControl::listenPort() {
  Result<std::string> output = run({"show", interface_, "listen-port"});
  if (!output.ok()) return makeError(output.error());
  const int port = std::atoi(output->c_str());
  if (port <= 0 || port > 65535) return makeError("WireGuard interface " + interface_ + " has no listen port");
  return static_cast<uint16_t>(port);
}

Status WgToolControl::setPeer(const std::string& publicKey, const std::string& allowedIp, const std::string& endpoint) {
  std::vector<std::string> arguments = {"set", interface_, "peer", publicKey, "allowed-ips", allowedIp};
  if (!endpoint.empty()) {
    arguments.push_back("endpoint");
    arguments.push_back(endpoint);
  }
  Result<std::string> output = run(arguments);
  if (!output.ok()) return makeError(output.error());
  return Status::success();
}

Status WgToolControl::removePeer(const std::string& publicKey) {
  Result<std::string> output = run({"set", interface_, "peer", publicKey, "remove"});
  if (!output.ok()) return makeError(output.error());
  return Status::success();
}

Result<std::vector<WireGuardPeerInfo>> WgToolControl::peers() {
  Result<std::string> output = run({"show", interface_, "dump"});
  if (!output.ok()) return makeError(output.error());
  return parseWgDump(output.value());
}

Result<std::vector<WireGuardPeerInfo>> parseWgDump(const std::string& dump) {
  std::vector<WireGuardPeerInfo> peers;
  std::istringstream lines(dump);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (first) {
      first = false;
      continue;
    }
    const std::vector<std::string> fields = splitTabs(line);
    if (fields.size() != 8) return makeError("unexpected `wg show dump` line with " + std::to_string(fields.size()) +
                                             " fields (expected 8)");
    WireGuardPeerInfo peer;
    peer.publicKey = fields[0];
    peer.endpoint = fields[2] == "(none)" ? "" : fields[2];
    peer.allowedIps = fields[3] == "(none)" ? "" : fields[3];
    peer.latestHandshake = std::atoll(fields[4].c_str());
    peer.rxBytes = std::strtoull(fields[5].c_str(), nullptr, 10);
    peer.txBytes = std::strtoull(fields[6].c_str(), nullptr, 10);
    peers.push_back(std::move(peer));
  }
  return peers;
}

}  // namespace nefia::hub
