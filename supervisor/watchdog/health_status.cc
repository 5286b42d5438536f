// healthStatus: the ok / degraded / unhealthy rule documented in health_status.h and the README.
// Keep the two in step: operators alert on this string.
#include "supervisor/watchdog/health_status.h"

namespace nefia::supervisor {

const char* healthStatus(const HealthStatusInputs& inputs) {
  if (!inputs.tunnelAndForwarderReady || !inputs.watchdogHealthy) return "unhealthy";
  if (!inputs.otherWorkersReady || inputs.anyEndpointPeerStale || (inputs.peersConfigured && !inputs.vpnConnected) ||
      inputs.configReloadFailed) {
    return "degraded";
  }
  return "ok";
}

}  // namespace nefia::supervisor
