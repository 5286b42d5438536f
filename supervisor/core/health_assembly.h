// Assembles the health report from what the supervisor knows: workers, the tunnel's and forwarder's last
// status, the watchdog's verdicts and the resolver's errors. Reads only; formats times for people here.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/config/agent_config.h"
#include "common/health/health_report.h"
#include "ipc/payloads.h"
#include "supervisor/core/beacon_queue.h"
#include "supervisor/core/peer_resolver.h"
#include "supervisor/core/worker_process.h"
#include "supervisor/watchdog/watchdog.h"

namespace nefia::supervisor {

struct HealthInputs {
  const AgentConfig& config;
  std::chrono::steady_clock::time_point startedAt;
  const std::string& lastConfigError;
  std::vector<const WorkerProcess*> workers;
  const std::vector<ipc::PeerStatus>& peers;  // the tunnel's last complete report
  const ipc::ForwarderStatus& forwarder;
  bool sshReachable;
  const ipc::SandboxReport& sandbox;
  const Watchdog& watchdog;
  const PeerResolver& resolver;
  const ipc::BeaconsStatus& beacons;  // the beacons worker's last report
  const BeaconEventQueue& beaconQueue;
};

HealthReport assembleHealthReport(const HealthInputs& inputs);

}  // namespace nefia::supervisor
