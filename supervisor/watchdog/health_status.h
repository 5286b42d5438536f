// The health report's `status` rule (ok / degraded / unhealthy) in one place, so that the README, the
// report and the tests agree. Pure function of what the supervisor knows; it reads no clock or file.
#pragma once

namespace nefia::supervisor {

struct HealthStatusInputs {
  bool tunnelAndForwarderReady = false;  // both workers in state "ready"
  bool otherWorkersReady = false;        // beacons and updater in state "ready"
  bool watchdogHealthy = false;          // WatchdogPolicy::healthy()
  bool anyEndpointPeerStale = false;     // WatchdogPolicy::anyEndpointPeerStale()
  bool peersConfigured = false;
  bool vpnConnected = false;             // some peer completed a handshake within the last 180 s
  bool configReloadFailed = false;       // last_config_error is not empty
};

// unhealthy: the tunnel or the forwarder worker is not ready, or the watchdog is not healthy (the last
//            check found every endpoint peer stale, or a rebuild is waiting, cooling down or unconfirmed);
// degraded:  otherwise, when beacons or updater is not ready, some endpoint peer is stale, peers are
//            configured but none had a handshake within 180 s, or the last config reload failed;
// ok:        everything else.
const char* healthStatus(const HealthStatusInputs& inputs);

}  // namespace nefia::supervisor
