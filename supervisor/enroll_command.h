// `nefia-agent enroll`: checks its flags (token source, --ssh-addr, --out-dir, --force, --yes, --install).
// The enrollment protocol itself is a later issue; until then the command says so after the checks.
#pragma once

#include "supervisor/cli/cli_options.h"

namespace nefia::supervisor {

int runEnrollCommand(const cli::CommandLine& commandLine);

}  // namespace nefia::supervisor
