// assembleHealthReport(): the one place that turns the supervisor's state into agent-health.json's fields.
// Handshake times arrive as numbers and become RFC 3339 here, where a person will read them.
#include "supervisor/core/health_assembly.h"

#include <unistd.h>

#include <algorithm>

#include "build_info.h"
#include "common/config/rfc3339.h"
#include "ipc/worker_roles.h"
#include "supervisor/core/process_stats.h"
#include "supervisor/watchdog/health_status.h"

namespace nefia::supervisor {
namespace {

constexpr auto kHandshakeFreshness = std::chrono::seconds(180);  // WireGuard's reject-after time

PeerHealth peerHealth(const ipc::PeerStatus& peer, const HealthInputs& inputs) {
  PeerHealth health{peer.publicKey, peer.vpnAddr, peer.endpoint, "", peer.rxBytes, peer.txBytes,
                    inputs.watchdog.peerStale(peer.publicKey)};
  if (peer.lastHandshakeUnixMs != 0) {
    health.lastHandshake = formatRfc3339(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::milliseconds(peer.lastHandshakeUnixMs))));
  }
  for (const PeerEntry& configured : inputs.config.peers) {
    if (configured.publicKey != peer.publicKey) continue;
    health.endpointError = inputs.resolver.error(configured.endpoint);
    if (!health.endpointError.empty() && health.endpoint.empty()) health.endpoint = configured.endpoint;
  }
  return health;
}

}  // namespace

HealthReport assembleHealthReport(const HealthInputs& inputs) {
  HealthReport report;
  const auto now = std::chrono::system_clock::now();
  report.version = build::kVersion;
  report.uptimeSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - inputs.startedAt).count();
  report.lastConfigError = inputs.lastConfigError;
  report.updatedAt = formatRfc3339(now);
  report.reportIntervalSeconds = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(inputs.config.testing.reportInterval).count());
  report.pid = ::getpid();
  uint64_t threads = readProcessStats(::getpid()).threads;
  bool coreReady = true;
  bool allReady = true;
  for (const WorkerProcess* process : inputs.workers) {
    if (process == nullptr) continue;
    const ProcessStats stats = readProcessStats(process->pid());
    threads += stats.threads;
    report.workers[process->name()] = WorkerHealth{process->pid(),      toString(process->phase()),
                                                   process->generation(), process->restarts(),
                                                   process->lastExit(), stats.rssKib};
    const bool ready = process->phase() == WorkerPhase::kReady;
    allReady = allReady && ready;
    if (ipc::isCoreRole(process->role())) coreReady = coreReady && ready;
  }
  report.goroutines = static_cast<int64_t>(threads);
  report.rebuildCount = inputs.watchdog.rebuildCount();
  report.lastRebuild = inputs.watchdog.lastRebuild();
  for (const ipc::PeerStatus& peer : inputs.peers) {
    report.peers.push_back(peerHealth(peer, inputs));
    const auto handshake = std::chrono::system_clock::time_point(std::chrono::milliseconds(peer.lastHandshakeUnixMs));
    if (peer.lastHandshakeUnixMs != 0 && now - handshake <= kHandshakeFreshness) report.vpnConnected = true;
  }
  report.forwarder = {inputs.forwarder.activeConnections, inputs.forwarder.refusedConnections, inputs.sshReachable};
  for (const ipc::BeaconCheckStatus& check : inputs.beacons.checks) {
    const std::string lastRun = check.lastRunUnixMs == 0 ? std::string()
                                                         : formatRfc3339(std::chrono::system_clock::time_point(
                                                               std::chrono::milliseconds(check.lastRunUnixMs)));
    report.beacons.checks.push_back({std::string(ipc::toString(check.kind)), check.name,
                                     std::string(ipc::toString(check.state)), lastRun, check.runs, check.skips});
  }
  report.beacons.queued = inputs.beaconQueue.queued();
  report.beacons.delivered = inputs.beaconQueue.delivered();
  report.beacons.dropped = inputs.beaconQueue.dropped();
  report.sandbox = {inputs.sandbox.seccomp, static_cast<int64_t>(inputs.sandbox.landlockAbi),
                    inputs.sandbox.workerUser};
  report.status = healthStatus({coreReady, allReady, inputs.watchdog.healthy(), inputs.watchdog.anyEndpointPeerStale(),
                                !inputs.config.peers.empty(), report.vpnConnected, !inputs.lastConfigError.empty()});
  return report;
}

}  // namespace nefia::supervisor
