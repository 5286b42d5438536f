// `enroll --install`: after a successful enrollment, install-service for the config it just wrote. A failed
// install keeps the config (the enrollment is not undone) and says how to retry.
#pragma once

#include <iosfwd>
#include <string>

#include "agent/cli/cli_options.h"

namespace nefia::agent {

// Exit code of install-service; on failure, the retry line naming configPath is printed to err.
int installAfterEnrollment(const cli::CommandLine& commandLine, const std::string& configPath, std::ostream& out,
                           std::ostream& err);

}  // namespace nefia::agent
