// The Windows Task Scheduler definition (schtasks /Create /XML) of nefia-agent: at boot (system) or logon
// (user), restart on failure, no time limit. A pure function; tests parse it with a real XML parser.
#pragma once

#include <string>

#include "common/result.h"
#include "service/service_spec.h"

namespace nefia::service {

// The task XML as text. It declares UTF-16, the encoding schtasks reads: the installer writes it as UTF-16LE.
// Errors: a value XML or a Windows command line cannot carry (control characters, double quotes).
Result<std::string> generateScheduledTaskXml(const ServiceSpec& spec);

// One argument as CommandLineToArgvW reads it back: quoted when it holds spaces, backslashes before the
// closing quote doubled. A double quote inside is refused.
Result<std::string> windowsQuoted(const std::string& argument);

}  // namespace nefia::service
