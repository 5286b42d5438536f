// The hardened systemd unit of nefia-agent: one generator for install-service and the package.
// A pure function of its spec; it never reads the system it runs on.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"
#include "service/service_spec.h"

namespace nefia::service {

// systemd's watchdog interval; the supervisor sends WATCHDOG=1 every half of it.
inline constexpr std::chrono::seconds kWatchdogInterval{30};
// Above the forwarder's 30 s drain plus the supervisor's 5 s stop grace for the tunnel after it.
inline constexpr std::chrono::seconds kStopTimeout{45};
inline constexpr std::chrono::seconds kRestartDelay{5};

// The unit text. Errors: a path that is not absolute or holds a character a unit file cannot carry
// unambiguously (newline, quote, backslash, '%', '$'), naming the path and what to do.
Result<std::string> generateSystemdUnit(const ServiceSpec& spec);

// Whether a path lies in a home directory (/home, /root, /run/user), which decides ProtectHome=.
bool isUnderHomeDirectories(const std::string& path);
// Whether a path lies in /tmp or /var/tmp, which PrivateTmp= replaces: refused for the system unit.
bool isUnderTemporaryDirectories(const std::string& path);

}  // namespace nefia::service
