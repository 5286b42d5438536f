// generateSystemdUnit: [Unit], [Service] with lifecycle and hardening, [Install]. Every hardening directive
// left out is written as a comment with its reason, so a reviewer reads the decision in the unit itself.
#include "service/systemd_unit.h"

#include <initializer_list>
#include <string_view>
#include <vector>

namespace nefia::service {
namespace {

struct Directive {
  const char* name;
  std::string value;
};

struct OmittedDirective {
  const char* name;
  const char* reason;
};

// Left out of both scopes (system and user), with the design's reason.
constexpr OmittedDirective kOmittedAlways[] = {
    {"PrivateNetwork=", "the tunnel needs the host's network (UDP to the operator, TCP to ssh_addr)"},
    {"IPAddressDeny=", "operator endpoints and DERP relays are arbitrary Internet addresses"},
    {"PrivateUsers=", "workers drop to the nefia-agent user, which a private user namespace does not map"},
    {"DynamicUser=", "the config, keys and logs must outlive the unit and belong to a fixed user"},
    {"ProtectProc=invisible", "the supervisor reads its workers' /proc/PID/status (rss_kib) across users"},
    {"ProcSubset=pid", "beacon scripts (free, uptime, df) read /proc/meminfo, /proc/loadavg and /proc/mounts"},
};

// Left out of the system unit only.
constexpr OmittedDirective kOmittedSystem[] = {
    {"User=", "the supervisor starts as root to drop each worker to its own unprivileged user"},
    {"SystemCallFilter=~@privileged", "@privileged holds setresuid/setgroups, which the worker drop needs"},
    {"CAP_NET_ADMIN", "not needed: WireGuard and TCP run in user space; SO_SNDBUFFORCE falls back to SO_SNDBUF"},
    {"CAP_CHOWN", "install-service creates the updater's staging directory with its owner, so run needs no chown"},
    {"CAP_SYS_PTRACE", "not needed; without it ProtectProc= would hide the workers, see above"},
    {"CAP_NET_BIND_SERVICE", "listen_port and ssh_addr ports above 1023 need none; add it with `systemctl edit`"},
};

// Left out of the user unit: a user manager has no privileges to build mount namespaces or drop capabilities.
constexpr OmittedDirective kOmittedUser[] = {
    {"ProtectSystem=/ProtectHome=/PrivateTmp=/PrivateDevices=",
     "mount namespaces in a user manager need unprivileged user namespaces, off on many hardened hosts"},
    {"ProtectKernel*=/ProtectControlGroups=/ProtectClock=", "same: they are mount-namespace based"},
    {"CapabilityBoundingSet=", "a user service holds no capabilities to drop"},
};

constexpr std::string_view kForbiddenCharacters = "\n\r\"\\%$";

Status checkPath(const char* what, const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return makeError(std::string(what) + " \"" + path + "\" is not an absolute path; give the full path");
  }
  const auto bad = path.find_first_of(kForbiddenCharacters);
  if (bad != std::string::npos) {
    return makeError(std::string(what) + " " + path +
                     " holds a newline, quote, backslash, '%' or '$', which a systemd unit cannot carry "
                     "unambiguously; move it to a path without them");
  }
  return Status::success();
}

// Words with spaces or tabs in double quotes (systemd unquotes them); checkPath has ruled out the rest.
std::string quoted(const std::string& word) {
  if (word.find_first_of(" \t") == std::string::npos && !word.empty()) return word;
  return "\"" + word + "\"";
}

std::string joinedQuoted(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) line += (line.empty() ? "" : " ") + quoted(word);
  return line;
}

std::string lines(const std::vector<Directive>& directives) {
  std::string text;
  for (const Directive& directive : directives) text += std::string(directive.name) + "=" + directive.value + "\n";
  return text;
}

template <std::size_t N>
std::string omittedComments(const OmittedDirective (&omitted)[N]) {
  std::string text;
  for (const OmittedDirective& entry : omitted) text += "# Not set: " + std::string(entry.name) + " " + entry.reason + "\n";
  return text;
}

bool isUnder(const std::string& path, std::initializer_list<std::string_view> directories) {
  for (std::string_view directory : directories) {
    if (path.compare(0, directory.size(), directory) == 0 &&
        (path.size() == directory.size() || path[directory.size()] == '/')) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> writablePaths(const ServiceSpec& spec) {
  std::vector<std::string> paths = {parentDirectory(spec.configPath), parentDirectory(spec.log.logFile),
                                    spec.stateDirectory};
  std::vector<std::string> unique;
  for (const std::string& path : paths) {
    bool seen = false;
    for (const std::string& kept : unique) seen = seen || kept == path;
    if (!seen) unique.push_back(path);
  }
  return unique;
}

std::string lifecycleSection(const ServiceSpec& spec) {
  std::vector<std::string> command = {spec.binaryPath};
  for (const std::string& argument : runArguments(spec)) command.push_back(argument);
  return lines({
      {"Type", "notify"},
      {"NotifyAccess", "main"},
      {"ExecStart", joinedQuoted(command)},
      {"ExecReload", "/bin/kill -HUP $MAINPID"},
      {"KillMode", "mixed"},
      {"TimeoutStopSec", std::to_string(kStopTimeout.count())},
      {"WatchdogSec", std::to_string(kWatchdogInterval.count())},
      {"Restart", "on-failure"},
      {"RestartSec", std::to_string(kRestartDelay.count())},
      {"UMask", "0077"},
  });
}

// Seccomp- and prctl-based directives: they need no namespaces, so the user unit keeps them too.
std::string processRestrictions() {
  return lines({
      {"NoNewPrivileges", "yes"},
      {"LockPersonality", "yes"},
      {"MemoryDenyWriteExecute", "yes"},
      {"RestrictRealtime", "yes"},
      {"RestrictSUIDSGID", "yes"},
      {"RestrictNamespaces", "yes"},
      {"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"},
      {"SystemCallArchitectures", "native"},
      {"SystemCallFilter", "@system-service seccomp landlock_create_ruleset landlock_add_rule landlock_restrict_self"},
      {"SystemCallFilter", "~@resources"},
      {"SystemCallErrorNumber", "EPERM"},
  });
}

std::string systemRestrictions(const ServiceSpec& spec) {
  bool inHome = false;
  for (const std::string& path : writablePaths(spec)) inHome = inHome || isUnderHomeDirectories(path);
  return lines({
      {"CapabilityBoundingSet", "CAP_SETUID CAP_SETGID CAP_KILL"},
      {"ProtectSystem", "strict"},
      {"ReadWritePaths", joinedQuoted(writablePaths(spec))},
      {"ProtectHome", inHome ? "read-only" : "yes"},
      {"PrivateTmp", "yes"},
      {"PrivateDevices", "yes"},
      {"PrivateMounts", "yes"},
      {"ProtectKernelTunables", "yes"},
      {"ProtectKernelModules", "yes"},
      {"ProtectKernelLogs", "yes"},
      {"ProtectControlGroups", "yes"},
      {"ProtectClock", "yes"},
      {"ProtectHostname", "yes"},
      {"RemoveIPC", "yes"},
      {"KeyringMode", "private"},
  });
}

}  // namespace

bool isUnderHomeDirectories(const std::string& path) { return isUnder(path, {"/home", "/root", "/run/user"}); }
bool isUnderTemporaryDirectories(const std::string& path) { return isUnder(path, {"/tmp", "/var/tmp"}); }

Result<std::string> generateSystemdUnit(const ServiceSpec& spec) {
  for (auto [what, path] : {std::pair{"binary", &spec.binaryPath}, std::pair{"--config", &spec.configPath},
                            std::pair{"--log-file", &spec.log.logFile}, std::pair{"state directory", &spec.stateDirectory}}) {
    Status checked = checkPath(what, *path);
    if (!checked.ok()) return makeError(checked.error());
  }
  const bool system = spec.scope == ServiceScope::kSystem;
  for (const std::string& path : writablePaths(spec)) {
    if (system && isUnderTemporaryDirectories(path)) {
      return makeError(path + " is under /tmp or /var/tmp, which the service sees as its own empty directory "
                       "(PrivateTmp=yes); move the config and log to a lasting place such as /etc/nefia");
    }
  }
  std::string unit =
      "# nefia-agent's service, written by `nefia-agent install-service` (the package ships the same generator's\n"
      "# output). Reinstalling rewrites this file: put local changes in `systemctl edit nefia-agent`.\n"
      "[Unit]\n"
      "Description=nefia-agent: WireGuard tunnel to the operator, forwarding SSH\n"
      "After=network-online.target\n"
      "Wants=network-online.target\n"
      "\n[Service]\n";
  unit += lifecycleSection(spec);
  unit += "# Hardening (README, \"Service\"): beacon scripts inherit all of it: no sudo (NoNewPrivileges), no JIT\n"
          "# runtime (MemoryDenyWriteExecute), no nice/ionice/taskset (~@resources), a private /tmp, and /home\n"
          "# empty or read-only (ProtectHome).\n";
  unit += processRestrictions();
  if (system) unit += systemRestrictions(spec);
  unit += omittedComments(kOmittedAlways);
  unit += system ? omittedComments(kOmittedSystem) : omittedComments(kOmittedUser);
  unit += "\n[Install]\nWantedBy=";
  unit += system ? "multi-user.target\n" : "default.target\n";
  return unit;
}

}  // namespace nefia::service
