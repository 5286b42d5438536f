// ssh-keyscan runs via posix_spawnp with a fixed argument vector (no shell) and a bounded output; /etc/ssh is the
// fallback. The local-endpoint probe uses a connected UDP socket, which sends no packet.
#include "supervisor/enroll/host_facts.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <sstream>

#include "build_info.h"
#include "common/atomic_file.h"
#include "common/config/net_address.h"

extern char** environ;

namespace nefia::enroll {
namespace {

constexpr std::size_t kMaxKeyscanOutput = 64 * 1024;

std::string runKeyscan(const HostPort& target) {
  std::vector<std::string> argv = {"ssh-keyscan", "-T", "5", "-p", std::to_string(target.port), target.host};
  std::vector<char*> pointers;
  for (std::string& argument : argv) pointers.push_back(argument.data());
  pointers.push_back(nullptr);
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, "ssh-keyscan", &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[1]);
  std::string output;
  if (spawned == 0) {
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::read(pipeFds[0], buffer, sizeof buffer)) > 0 || (got < 0 && errno == EINTR)) {
      if (got > 0 && output.size() < kMaxKeyscanOutput) output.append(buffer, static_cast<std::size_t>(got));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::close(pipeFds[0]);
  return output;
}

bool looksLikeKey(const std::string& type, const std::string& blob) {
  return (type.rfind("ssh-", 0) == 0 || type.rfind("ecdsa-", 0) == 0) && blob.size() > 16 &&
         std::all_of(blob.begin(), blob.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) ||
                                                                   c == '+' || c == '/' || c == '='; });
}

void sortEd25519First(std::vector<std::string>& keys) {
  std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    return a.rfind("ssh-ed25519 ", 0) == 0 && b.rfind("ssh-ed25519 ", 0) != 0;
  });
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (keys.size() > invite::kMaxSshHostKeys) keys.resize(invite::kMaxSshHostKeys);
}

}  // namespace

std::vector<std::string> collectSshHostKeys(const std::string& sshAddr) {
  std::vector<std::string> keys;
  if (Result<HostPort> target = parseHostPort(sshAddr); target.ok()) {
    std::istringstream lines(runKeyscan(target.value()));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      std::string host, type, blob;
      if (line.empty() || line[0] == '#' || !(words >> host >> type >> blob) || !looksLikeKey(type, blob)) continue;
      keys.push_back(type + " " + blob);
    }
  }
  if (keys.empty()) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/etc/ssh", error)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("ssh_host_", 0) != 0 || entry.path().extension() != ".pub") continue;
      Result<std::string> text = readWholeFile(entry.path().string(), 16 * 1024);
      std::istringstream words(text.ok() ? text.value() : "");
      std::string type, blob;
      if (words >> type >> blob && looksLikeKey(type, blob)) keys.push_back(type + " " + blob);
    }
  }
  sortEd25519First(keys);
  return keys;
}

std::string discoverLocalIp(const std::string& operatorHost) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(operatorHost.c_str(), "9", &hints, &found) != 0 || found == nullptr) return "";
  std::string result;
  const int fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    char text[INET6_ADDRSTRLEN] = {};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
      if (local.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&local);
        if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      } else if (local.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&local);
        if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      }
    }
    result = text;
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(found);
  return result;
}

std::string localEndpointFor(const std::string& localIp, const std::string& publicIp, uint16_t listenPort) {
  if (localIp.empty() || localIp == publicIp) return "";
  const std::string host = localIp.find(':') != std::string::npos ? "[" + localIp + "]" : localIp;
  return host + ":" + std::to_string(listenPort);
}

invite::HostFacts collectHostFacts() {
  invite::HostFacts facts;
  char hostname[256] = {};
  if (::gethostname(hostname, sizeof hostname - 1) == 0) facts.hostname = hostname;
  utsname names{};
  if (::uname(&names) == 0) {
    facts.os = names.sysname;
    std::transform(facts.os.begin(), facts.os.end(), facts.os.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    facts.arch = names.machine;
  }
  facts.agentVersion = build::kVersion;
  return facts;
}

}  // namespace nefia::enroll
