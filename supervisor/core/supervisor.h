// The supervisor (`nefia-agent run`): owns the config, the workers, their sockets, the health report and
// the signals. It alone reads the config and writes files; it trusts no worker.
#pragma once

#include <uv.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/config/agent_config.h"
#include "common/health/health_report.h"
#include "ipc/payloads.h"
#include "common/unique_fd.h"
#include "common/uv_handle.h"
#include "ipc/worker_roles.h"
#include "supervisor/core/beacon_queue.h"
#include "supervisor/core/connection_broker.h"
#include "supervisor/core/peer_resolver.h"
#include "supervisor/core/service_notifier.h"
#include "supervisor/core/ssh_reachability.h"
#include "supervisor/core/worker_process.h"
#include "supervisor/watchdog/network_monitor.h"
#include "supervisor/watchdog/watchdog.h"

namespace nefia::supervisor {

struct SupervisorOptions {
  std::string configPath;
  std::string executable;         // our own binary, re-executed for workers
  bool strictPermissions = true;
  std::vector<std::string> workerArguments;  // extra arguments for every worker (test builds: --sandbox=log)
  WorkerSpawner* spawner = nullptr;          // null: the real one (processSpawner()); unit tests pass a fake
};

class Supervisor {
 public:
  Supervisor(uv_loop_t* loop, SupervisorOptions options, AgentConfig config);
  ~Supervisor();

  // Binds the UDP socket and starts the workers; the error (e.g. port in use) means exit 1.
  Status start();
  // Runs until SIGTERM/SIGINT finished the graceful shutdown; returns the process exit code.
  int run();

 private:
  void startWorker(const ipc::WorkerRoleSpec& spec);
  void onWorkerReady(WorkerProcess& worker);
  void onWorkerMessage(WorkerProcess& worker, ipc::InboundMessage&& message);
  void configureWorker(WorkerProcess& worker);
  void relinkPacketPath();
  void pollWorkers();
  void reload();
  void beginShutdown(const char* signalName);
  void onWorkerStopped();
  void rebuildTunnel();
  void onEndpointResolved();
  void onBeaconEvent(ipc::BeaconEvent&& event);
  void answerConnect(uint64_t requestId, uint64_t generation, Result<UniqueFd> connected);
  void writeHealth();
  WorkerProcess* worker(ipc::Role role) const { return workers_[ipc::slotOf(role)].get(); }

  uv_loop_t* loop_;
  SupervisorOptions options_;
  AgentConfig config_;
  std::chrono::steady_clock::time_point startedAt_;
  std::string healthPath_;
  std::string lastConfigError_;
  UniqueFd udpSocket_;
  std::array<std::unique_ptr<WorkerProcess>, ipc::kWorkerCount> workers_;
  std::array<uint64_t, ipc::kWorkerCount> unansweredPolls_{};
  ConnectionBroker broker_;
  UvHandle<uv_timer_t> reportTimer_;
  UvHandle<uv_signal_t> hangupSignal_;
  UvHandle<uv_signal_t> terminateSignal_;
  UvHandle<uv_signal_t> interruptSignal_;
  std::vector<ipc::PeerStatus> peers_;
  ipc::ForwarderStatus forwarder_;
  SshReachability sshReachability_;
  ipc::SandboxReport sandbox_;
  ipc::BeaconsStatus beacons_;
  BeaconEventQueue beaconQueue_;
  std::string hostName_;  // gethostname() at start: the events' host_name
  uint64_t nextRequestId_ = 1;
  bool shuttingDown_ = false;
  int exitCode_ = 0;
  bool rebindUdpSocket_ = false;  // a watchdog rebuild: the next tunnel incarnation gets a freshly bound socket
  Watchdog watchdog_;
  NetworkMonitor networkMonitor_;
  PeerResolver resolver_;
  ServiceNotifier notifier_;
};

}  // namespace nefia::supervisor
