// Supervisor: start-up, worker callbacks, the packet path between tunnel and forwarder, the connection
// broker, status polling, SIGHUP reload, graceful shutdown. Worker input is checked before it is used.
#include "supervisor/core/supervisor.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/config/config_diff.h"
#include "common/config/config_loader.h"
#include "common/config/config_permissions.h"
#include "common/log.h"
#include "supervisor/core/health_assembly.h"
#include "supervisor/core/udp_socket.h"
#include "supervisor/core/worker_settings.h"
#include "workers/forwarder/constants.h"

namespace nefia::supervisor {
namespace {

constexpr const char* kComponent = "supervisor";

std::string ownHostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}
using forwarder::kDrainTimeout;  // the forwarder's drain, which the supervisor grants at shutdown
constexpr uint64_t kMaxUnansweredPolls = 3;  // a worker silent for three report intervals is hung
constexpr auto kStopGrace = std::chrono::seconds(5);
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr int kPacketSocketBufferBytes = 4 * 1024 * 1024;

std::chrono::milliseconds toMillis(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration);
}

// The role a `testing.fault.worker` names (config does not depend on ipc; -Wswitch keeps this complete).
ipc::Role roleOf(FaultWorker worker) {
  switch (worker) {
    case FaultWorker::kTunnel: return ipc::Role::kTunnel;
    case FaultWorker::kForwarder: return ipc::Role::kForwarder;
    case FaultWorker::kBeacons: return ipc::Role::kBeacons;
    case FaultWorker::kUpdater: return ipc::Role::kUpdater;
  }
  return ipc::Role::kSupervisor;  // not reached: every FaultWorker is listed above
}

}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, SupervisorOptions options, AgentConfig config)
    : loop_(loop),
      options_(std::move(options)),
      config_(std::move(config)),
      startedAt_(std::chrono::steady_clock::now()),
      healthPath_(healthReportPath(options_.configPath)),
      broker_(loop, kConnectTimeout),
      hostName_(ownHostName()),
      watchdog_(loop, config_,
                {[this] {
                   WorkerProcess* tunnel = worker(ipc::Role::kTunnel);
                   return tunnel != nullptr && tunnel->phase() == WorkerPhase::kReady &&
                          tunnel->sendStatusRequest(nextRequestId_++).ok();
                 },
                 [this] { rebuildTunnel(); }, [this] { writeHealth(); }}),
      networkMonitor_(loop, [this](const AddressChange&) { watchdog_.onNetworkChange(); }),
      resolver_(loop, [this] { onEndpointResolved(); }),
      notifier_(loop) {
  reportTimer_.init(uv_timer_init, loop_);
  reportTimer_.get()->data = this;
  for (auto* handle : {&hangupSignal_, &terminateSignal_, &interruptSignal_}) {
    handle->init(uv_signal_init, loop_);
    handle->get()->data = this;
  }
}

Supervisor::~Supervisor() {
  for (auto& worker : workers_) worker.reset();
  reportTimer_.close();
  hangupSignal_.close();
  terminateSignal_.close();
  interruptSignal_.close();
}

Status Supervisor::start() {
  Status tunnelConfig = checkTunnelConfig(config_);
  if (!tunnelConfig.ok()) return tunnelConfig;
  auto socket = bindWireGuardSocket(config_.listenPort);
  if (!socket.ok()) return makeError(socket.error());
  udpSocket_ = std::move(socket.value());
  broker_.setTarget(config_.sshAddr);
  resolver_.setPeers(config_.peers);

  uv_signal_start(hangupSignal_.get(), [](uv_signal_t* handle, int) { static_cast<Supervisor*>(handle->data)->reload(); },
                  SIGHUP);
  uv_signal_start(terminateSignal_.get(),
                  [](uv_signal_t* handle, int) { static_cast<Supervisor*>(handle->data)->beginShutdown("SIGTERM"); },
                  SIGTERM);
  uv_signal_start(interruptSignal_.get(),
                  [](uv_signal_t* handle, int) { static_cast<Supervisor*>(handle->data)->beginShutdown("SIGINT"); },
                  SIGINT);
  const uint64_t interval = static_cast<uint64_t>(toMillis(config_.testing.reportInterval).count());
  uv_timer_start(
      reportTimer_.get(),
      [](uv_timer_t* timer) {
        auto* self = static_cast<Supervisor*>(timer->data);
        self->pollWorkers();
        self->writeHealth();
      },
      interval, interval);

  for (const ipc::WorkerRoleSpec& spec : ipc::kWorkerRoles) startWorker(spec);
  watchdog_.start();
  notifier_.start();
  Status monitor = networkMonitor_.start();
  if (!monitor.ok()) logWarn(kComponent, monitor.error(), "; tunnel rebuilds wait for the watchdog's checks");
  writeHealth();
  return Status::success();
}

void Supervisor::startWorker(const ipc::WorkerRoleSpec& spec) {
  const ipc::Role role = spec.role;
  WorkerLaunch launch{options_.executable, {"worker", std::string(spec.wireName)}};
  launch.arguments.insert(launch.arguments.end(), options_.workerArguments.begin(), options_.workerArguments.end());
  // Fault injection for tests (the `testing:` section exists only in NEFIA_TEST_HOOKS builds).
  if (config_.testing.fault && spec.role == roleOf(config_.testing.fault->worker)) {
    launch.arguments.insert(launch.arguments.end(), {"--fault", toString(config_.testing.fault->mode)});
  }
  RestartPolicySettings policy;
  policy.healthyPeriod = toMillis(config_.testing.restartHealthyPeriod);
  WorkerProcess::Callbacks callbacks;
  callbacks.ready = [this](WorkerProcess& worker, const ipc::ReadyPayload& ready) {
    if (worker.role() == ipc::Role::kTunnel || !sandbox_.seccomp) sandbox_ = ready.sandbox;
    onWorkerReady(worker);
  };
  callbacks.message = [this](WorkerProcess& worker, ipc::InboundMessage&& message) {
    onWorkerMessage(worker, std::move(message));
  };
  callbacks.stateChanged = [this](WorkerProcess&) {
    if (shuttingDown_) onWorkerStopped();
    writeHealth();
  };
  const std::size_t slot = ipc::slotOf(role);
  WorkerSpawner& spawner = options_.spawner != nullptr ? *options_.spawner : processSpawner();
  workers_[slot] =
      std::make_unique<WorkerProcess>(loop_, spawner, role, std::move(launch), policy, std::move(callbacks));
  workers_[slot]->start();
}

void Supervisor::onWorkerReady(WorkerProcess& worker) {
  unansweredPolls_[ipc::slotOf(worker.role())] = 0;
  configureWorker(worker);
  if (ipc::isCoreRole(worker.role())) relinkPacketPath();
  const bool allReady = std::all_of(workers_.begin(), workers_.end(), [](const auto& process) {
    return process != nullptr && process->phase() == WorkerPhase::kReady;
  });
  if (allReady) notifier_.ready();
}

void Supervisor::configureWorker(WorkerProcess& worker) {
  const ipc::WorkerSettings settings = settingsFor(worker.role(), config_, resolver_);
  Status sent = Status::success();
  if (worker.role() == ipc::Role::kTunnel) {
    if (rebindUdpSocket_) {
      udpSocket_.reset();  // the previous incarnation is gone, so its port is free to bind again
      auto socket = bindWireGuardSocket(config_.listenPort);
      if (!socket.ok()) {
        logError(kComponent, "tunnel rebuild: ", socket.error(), "; the watchdog tries again at its next rebuild");
        return;
      }
      udpSocket_ = std::move(socket.value());
      rebindUdpSocket_ = false;
    }
    // The socket goes first: the tunnel sends its first handshake initiation as soon as it is configured.
    sent = worker.sendHandOverFd(ipc::HandedFd::kUdpSocket, udpSocket_.get());
  }
  if (sent.ok()) sent = worker.sendSettings(settings, /*update=*/false);
  if (!sent.ok()) worker.killAndRestart("could not be configured (" + sent.error() + ")");
}

void Supervisor::onEndpointResolved() {
  WorkerProcess* tunnel = worker(ipc::Role::kTunnel);
  if (shuttingDown_ || tunnel == nullptr || tunnel->phase() != WorkerPhase::kReady) return;
  (void)tunnel->sendSettings(settingsFor(ipc::Role::kTunnel, config_, resolver_), /*update=*/true);
}

void Supervisor::relinkPacketPath() {
  WorkerProcess* tunnel = worker(ipc::Role::kTunnel);
  WorkerProcess* forwarder = worker(ipc::Role::kForwarder);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0) {
    logError(kComponent, "cannot create the packet socketpair between tunnel and forwarder: ", std::strerror(errno));
    return;
  }
  UniqueFd tunnelEnd(pair[0]);
  UniqueFd forwarderEnd(pair[1]);
  for (int fd : pair) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kPacketSocketBufferBytes, sizeof kPacketSocketBufferBytes);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kPacketSocketBufferBytes, sizeof kPacketSocketBufferBytes);
  }
  for (auto [process, end] : {std::pair{tunnel, tunnelEnd.get()}, std::pair{forwarder, forwarderEnd.get()}}) {
    if (process == nullptr || process->phase() != WorkerPhase::kReady) continue;
    Status sent = process->sendHandOverFd(ipc::HandedFd::kPacketLink, end);
    if (!sent.ok()) process->killAndRestart("could not take the packet link (" + sent.error() + ")");
  }
}

void Supervisor::onWorkerMessage(WorkerProcess& worker, ipc::InboundMessage&& message) {
  switch (message.type) {
    case ipc::MessageType::kStatusReport: {
      unansweredPolls_[ipc::slotOf(worker.role())] = 0;
      auto& report = std::get<ipc::StatusReportPayload>(message.payload);
      if (auto* tunnel = std::get_if<ipc::TunnelStatus>(&report.details)) {
        peers_ = std::move(tunnel->peers);
        watchdog_.onPeerStatus(peers_);
      }
      if (auto* forwarder = std::get_if<ipc::ForwarderStatus>(&report.details)) forwarder_ = *forwarder;
      if (auto* beacons = std::get_if<ipc::BeaconsStatus>(&report.details)) beacons_ = std::move(*beacons);
      return;
    }
    case ipc::MessageType::kBeaconEvent:
      onBeaconEvent(std::move(std::get<ipc::BeaconEvent>(message.payload)));
      return;
    case ipc::MessageType::kConnectRequest: {
      const uint64_t requestId = std::get<ipc::ConnectRequestPayload>(message.payload).requestId;
      const uint64_t generation = worker.generation();
      broker_.connect([this, requestId, generation](Result<UniqueFd> connected) {
        answerConnect(requestId, generation, std::move(connected));
      });
      return;
    }
    default:
      return;
  }
}

void Supervisor::onBeaconEvent(ipc::BeaconEvent&& event) {
  const bool change = event.type == ipc::BeaconEventType::kChange;
  if (change) {
    // State words only: a script's output may hold anything, it travels in the event, not in the log.
    logInfo("beacons", ipc::toString(event.kind), " ", event.name, ": ", ipc::toString(event.previousState), " -> ",
            ipc::toString(event.state), event.reason.empty() ? "" : " (" + event.reason + ")");
  }
  const uint64_t droppedBefore = beaconQueue_.dropped();
  beaconQueue_.push(std::move(event), config_.hostId, hostName_);
  if (beaconQueue_.dropped() != droppedBefore && beaconQueue_.dropped() % kBeaconQueueCapacity == 1) {
    logWarn("beacons", "the event queue (", kBeaconQueueCapacity, " events) is full: the oldest are dropped (",
            beaconQueue_.dropped(), " so far)");
  }
  if (change) writeHealth();
}

void Supervisor::answerConnect(uint64_t requestId, uint64_t generation, Result<UniqueFd> connected) {
  WorkerProcess* forwarder = worker(ipc::Role::kForwarder);
  const bool reachable = connected.ok();
  if (reachable) {
    sshReachability_.recordSuccess(broker_.target());
  } else {
    sshReachability_.recordFailure(broker_.target(), connected.error());
  }
  if (forwarder == nullptr || forwarder->generation() != generation || forwarder->phase() == WorkerPhase::kStopped) {
    return;  // the incarnation that asked is gone; the fd closes here
  }
  if (reachable) {
    (void)forwarder->sendConnectResult({requestId, true, ""}, connected.value().get());
  } else {
    (void)forwarder->sendConnectResult({requestId, false, connected.error()}, -1);
  }
}

void Supervisor::pollWorkers() {
  for (std::size_t slot = 0; slot < ipc::kWorkerCount; ++slot) {
    WorkerProcess* process = workers_[slot].get();
    if (process == nullptr || process->phase() != WorkerPhase::kReady) continue;
    if (unansweredPolls_[slot] >= kMaxUnansweredPolls) {
      unansweredPolls_[slot] = 0;
      process->killAndRestart("stopped answering status requests");
      continue;
    }
    ++unansweredPolls_[slot];
    (void)process->sendStatusRequest(nextRequestId_++);
  }
}

void Supervisor::reload() {
  if (shuttingDown_) return;
  logInfo(kComponent, "SIGHUP: reloading ", options_.configPath);
  auto fail = [this](const std::string& error) {
    lastConfigError_ = error;
    logError(kComponent, "config reload failed, still running on the previous config: ", error);
    writeHealth();
  };
  Result<LoadedConfig> loaded = loadAgentConfig(options_.configPath);
  if (!loaded.ok()) return fail(loaded.error());
  Result<PermissionVerdict> permissions =
      checkConfigPermissions(options_.configPath, loaded->config, options_.strictPermissions, PermissionCheckMoment::kReload);
  if (!permissions.ok()) return fail(permissions.error());
  if (!permissions->warning.empty()) logWarn(kComponent, permissions->warning);
  Status tunnelConfig = checkTunnelConfig(loaded->config);
  if (!tunnelConfig.ok()) return fail(tunnelConfig.error());

  const ConfigChanges changes = diffConfigs(config_, loaded->config);
  UniqueFd newSocket;
  if (changes.listenPort) {
    auto socket = bindWireGuardSocket(loaded->config.listenPort);
    if (!socket.ok()) return fail(socket.error());
    newSocket = std::move(socket.value());
  }
  registerConfigSecrets(loaded->config);
  config_ = std::move(loaded->config);
  watchdog_.setPeers(config_.peers);
  resolver_.setPeers(config_.peers);
  lastConfigError_.clear();
  broker_.setTarget(config_.sshAddr);

  WorkerProcess* tunnelWorker = worker(ipc::Role::kTunnel);
  const bool tunnelReady = tunnelWorker != nullptr && tunnelWorker->phase() == WorkerPhase::kReady;
  if ((changes.privateKey || changes.peers() || changes.address || changes.listenPort) && tunnelReady) {
    (void)tunnelWorker->sendSettings(settingsFor(ipc::Role::kTunnel, config_, resolver_), /*update=*/true);
  }
  if (changes.listenPort) {
    udpSocket_ = std::move(newSocket);
    if (tunnelReady) (void)tunnelWorker->sendHandOverFd(ipc::HandedFd::kUdpSocket, udpSocket_.get());
  }
  WorkerProcess* forwarderWorker = worker(ipc::Role::kForwarder);
  if (changes.address && forwarderWorker != nullptr && forwarderWorker->phase() == WorkerPhase::kReady) {
    (void)forwarderWorker->sendSettings(settingsFor(ipc::Role::kForwarder, config_, resolver_), /*update=*/true);
  }
  WorkerProcess* beaconsWorker = worker(ipc::Role::kBeacons);
  if (changes.beacons && beaconsWorker != nullptr && beaconsWorker->phase() == WorkerPhase::kReady) {
    (void)beaconsWorker->sendSettings(settingsFor(ipc::Role::kBeacons, config_, resolver_), /*update=*/true);
  }
  logInfo(kComponent, "config reloaded: ", changes.describe());
  writeHealth();
}

void Supervisor::beginShutdown(const char* signalName) {
  if (shuttingDown_) {
    logInfo(kComponent, signalName, " received again; shutdown is already in progress");
    return;
  }
  shuttingDown_ = true;
  notifier_.stopping();
  logInfo(kComponent, signalName, " received: shutting down (forwarded connections get up to ",
          kDrainTimeout.count() / 1000, " s to finish)");
  uv_timer_stop(reportTimer_.get());
  watchdog_.stop();
  networkMonitor_.stop();
  for (auto& process : workers_) process->preventRestart();
  // The tunnel keeps running while the forwarder drains: open connections need it to finish.
  worker(ipc::Role::kForwarder)->stop(static_cast<uint64_t>(kDrainTimeout.count()), kDrainTimeout + kStopGrace);
  for (const auto& process : workers_) {
    if (!ipc::isCoreRole(process->role())) process->stop(0, kStopGrace);
  }
  onWorkerStopped();
}

void Supervisor::onWorkerStopped() {
  WorkerProcess* tunnel = worker(ipc::Role::kTunnel);
  if (worker(ipc::Role::kForwarder)->phase() == WorkerPhase::kStopped && tunnel->phase() != WorkerPhase::kStopped &&
      tunnel->phase() != WorkerPhase::kStopping) {
    tunnel->stop(0, kStopGrace);
    return;
  }
  for (const auto& process : workers_) {
    if (process->phase() != WorkerPhase::kStopped) return;
  }
  logInfo(kComponent, "all workers stopped; exiting");
  uv_stop(loop_);
}

void Supervisor::rebuildTunnel() {
  WorkerProcess* tunnel = worker(ipc::Role::kTunnel);
  if (shuttingDown_ || tunnel == nullptr) return;
  rebindUdpSocket_ = true;
  resolver_.refreshAll();  // names re-resolve; a changed address reaches the new incarnation as config_update
  peers_.clear();  // handshakes of the incarnation being replaced no longer count
  // configureWorker() binds the new socket when the new incarnation is ready; names re-resolve meanwhile.
  tunnel->replaceIncarnation("tunnel rebuild by the watchdog (new incarnation, new UDP socket, names re-resolved)");
}

int Supervisor::run() {
  uv_run(loop_, UV_RUN_DEFAULT);
  writeHealth();
  return exitCode_;
}

void Supervisor::writeHealth() {
  std::vector<const WorkerProcess*> workers;
  for (const auto& process : workers_) workers.push_back(process.get());
  const HealthInputs inputs{config_,  startedAt_, lastConfigError_, std::move(workers), peers_, forwarder_,
                            sshReachability_.reachable(), sandbox_, watchdog_,       resolver_,
                            beacons_, beaconQueue_};
  Status written = writeHealthReport(healthPath_, assembleHealthReport(inputs));
  if (!written.ok()) logWarn(kComponent, "cannot write the health report: ", written.error());
}

}  // namespace nefia::supervisor
