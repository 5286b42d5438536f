// `nefia-agent enroll`: checks its flags (token source, --ssh-addr, --out-dir, --force, --yes, --install), then
// enrolls with the operator's hub (supervisor/enroll/enrollment.h).
#pragma once

#include "agent/cli/cli_options.h"

namespace nefia::supervisor {

int runEnrollCommand(const cli::CommandLine& commandLine);

}  // namespace nefia::supervisor
