// `nefia-agent run`: validate the config, set up logging, log the start-up summary, run the supervisor.
// Exit 0 after a graceful shutdown; 1 when the config, its permissions or the start-up fail.
#pragma once

#include "agent/cli/cli_options.h"

namespace nefia::supervisor {

int runRunCommand(const cli::CommandLine& commandLine);

}  // namespace nefia::supervisor
