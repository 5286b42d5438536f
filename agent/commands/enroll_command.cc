// `nefia-agent enroll`: flag checks, each error with what, where and what to do (exit 2 for bad flags, 1 for a
// refused action), then the enrollment itself (supervisor/enroll). Never prints the token.
#include "agent/commands/enroll_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "agent/commands/enroll_install.h"
#include "common/atomic_file.h"
#include "common/config/config_paths.h"
#include "common/config/net_address.h"
#include "supervisor/enroll/enrollment.h"

namespace nefia::supervisor {
namespace {

constexpr std::size_t kMaxTokenBytes = 16 * 1024;

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

int fail(int code, const std::string& message) {
  std::cerr << "nefia-agent enroll: " << message << "\n";
  return code;
}

}  // namespace

int runEnrollCommand(const cli::CommandLine& commandLine) {
  const cli::EnrollOptions& options = commandLine.enroll;
  std::string token = options.token;
  if (!options.tokenFile.empty()) {
    Result<std::string> contents = readWholeFile(options.tokenFile, kMaxTokenBytes);
    if (!contents.ok()) return fail(2, "--token-file: " + contents.error());
    token = trimmed(contents.value());
    if (token.empty()) return fail(2, "--token-file " + options.tokenFile + " is empty; paste the invite token into it");
  }
  if (trimmed(token).empty()) return fail(2, "--token is empty; copy the full token from `nefia vpn invite`");
  Result<HostPort> sshAddr = parseHostPort(options.sshAddr);
  if (!sshAddr.ok()) return fail(2, "--ssh-addr " + options.sshAddr + ": " + sshAddr.error());

  std::string configPath;
  if (!options.outDir.empty()) {
    configPath = options.outDir + "/agent.yaml";
  } else {
    Result<std::string> defaultPath = commandLine.configPath.empty() ? defaultConfigPath()
                                                                      : Result<std::string>(commandLine.configPath);
    if (!defaultPath.ok()) return fail(1, defaultPath.error() + "; pass --out-dir DIR");
    configPath = defaultPath.value();
  }
  struct stat existing{};
  if (!options.force && ::stat(configPath.c_str(), &existing) == 0) {
    return fail(1, configPath + " already exists; pass --force to overwrite it (the old keys are lost)");
  }
  if (!options.yes && !::isatty(STDIN_FILENO)) {
    return fail(1, "refusing to enroll without confirmation: standard input is not a terminal; pass --yes");
  }
  enroll::EnrollPlan plan;
  plan.token = trimmed(token);
  plan.configPath = configPath;
  plan.sshAddr = sshAddr->toString();
  plan.replaceExisting = options.force;
  if (!options.yes) {
    plan.confirm = [](const std::string& question) {
      std::cout << question << std::flush;
      std::string answer;
      if (!std::getline(std::cin, answer)) return false;
      answer = trimmed(answer);
      return answer == "y" || answer == "Y" || answer == "yes";
    };
  }
  const int enrolled = enroll::runEnrollment(plan, std::cout, std::cerr);
  if (enrolled != 0 || !options.install) return enrolled;
  return agent::installAfterEnrollment(commandLine, configPath, std::cout, std::cerr);
}

}  // namespace nefia::supervisor
