// `nefia-agent install-service` and `uninstall-service`: validate, then hand over to service/ (systemd on
// Linux; --dry-run --platform prints the macOS/Windows files). Also used by `enroll --install`.
#pragma once

#include <iosfwd>
#include <string>

#include "agent/cli/cli_options.h"

namespace nefia::agent {

int runInstallServiceCommand(const cli::CommandLine& commandLine, std::ostream& out, std::ostream& err);

// stdinIsTerminal is passed in so tests cover both confirmation paths; confirm reads the answer.
int runUninstallServiceCommand(const cli::CommandLine& commandLine, bool stdinIsTerminal, std::istream& in,
                               std::ostream& out, std::ostream& err);

}  // namespace nefia::agent
