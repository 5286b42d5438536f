// nefia-agent's main: parse the command line, then hand over to exactly one command.
// Usage errors exit 2 (cli_parser.cc); every command returns its own documented exit code.
#include <sodium.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "build_info.h"
#include "agent/commands/status_command.h"
#include "agent/commands/wol_command.h"
#include "agent/cli/cli_options.h"
#include "agent/commands/enroll_command.h"
#include "agent/commands/install_service_command.h"
#include "agent/commands/run_command.h"
#include "workers/runtime/worker_main.h"

namespace {

int printVersion() {
  std::cout << "nefia-agent " << nefia::build::kVersion << "\ncommit: " << nefia::build::kCommit
            << "\nbuilt: " << nefia::build::kBuildDate << "\n";
  return 0;
}

int runWorkerCommand(const nefia::cli::CommandLine& line) {
  nefia::workers::WorkerArguments arguments;
  arguments.role = line.worker.name;
  arguments.logLevel = line.logLevel;
  arguments.stagingDir = line.worker.stagingDir;
  arguments.scratchDir = line.worker.scratchDir;
  arguments.sandboxLogOnly = line.worker.sandboxMode == "log";
  arguments.fault = line.worker.fault;
  return nefia::workers::runWorker(arguments);
}

}  // namespace

int main(int argc, char** argv) {
  const nefia::cli::ParseOutcome outcome = nefia::cli::parseCommandLine(argc, argv);
  if (!outcome.commandLine) {
    (outcome.outputIsError ? std::cerr : std::cout) << outcome.output;
    return outcome.exitCode;
  }
  if (sodium_init() < 0) {
    std::fprintf(stderr, "nefia-agent: libsodium failed to initialise\n");
    return 1;
  }
  const nefia::cli::CommandLine& line = *outcome.commandLine;
  using nefia::cli::Command;
  switch (line.command) {
    case Command::kVersion: return printVersion();
    case Command::kRun: return nefia::supervisor::runRunCommand(line);
    case Command::kWorker: return runWorkerCommand(line);
    case Command::kStatus:
      return nefia::runStatusCommand({line.configPath, line.status.json}, std::cout, std::cerr,
                                     std::chrono::system_clock::now());
    case Command::kWol:
      return nefia::runWolCommand(line.wol.mac, line.wol.broadcast, line.wol.port, std::cout, std::cerr);
    case Command::kEnroll: return nefia::supervisor::runEnrollCommand(line);
    case Command::kInstallService: return nefia::agent::runInstallServiceCommand(line, std::cout, std::cerr);
    case Command::kUninstallService:
      return nefia::agent::runUninstallServiceCommand(line, ::isatty(STDIN_FILENO) == 1, std::cin, std::cout, std::cerr);
    case Command::kNone: break;
  }
  return 2;
}
