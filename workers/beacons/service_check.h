// service_check: the state of each configured systemd unit through systemd's D-Bus API (sd-bus), queried
// in an abandonable child. No bus or no systemd on it gives one "service_check unavailable: ..." finding.
#pragma once

#include <string>
#include <vector>

#include "workers/beacons/probe_runner.h"
#include "workers/beacons/state_tracker.h"

namespace nefia::beacons {

// The name a service_check finding about the bus itself carries (not a unit).
inline constexpr const char* kServiceCheckItself = "service_check";

// "nginx" -> "nginx.service"; names with a unit suffix stay.
std::string unitName(const std::string& service);

// The child's body: one line per unit ("unit NAME LOAD ACTIVE") or one "unavailable TEXT" line.
int serviceCheckProbe(const std::vector<std::string>& services);
// The findings for that output: one per service, or the single unavailable finding.
std::vector<Observation> serviceObservations(const std::vector<std::string>& services, const ProbeOutcome& outcome,
                                             Duration timeout);

void checkServices(ProbeRunner& probes, const std::vector<std::string>& services, Duration timeout,
                   std::function<void(std::vector<Observation>)> done);

}  // namespace nefia::beacons
