// Supervisor: start-up, worker callbacks, the packet path between tunnel and forwarder, the connection
// broker, status polling, SIGHUP reload, graceful shutdown. Worker input is checked before it is used.
#include "supervisor/core/supervisor.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "build_info.h"
#include "common/config/config_diff.h"
#include "common/config/config_loader.h"
#include "common/config/config_permissions.h"
#include "common/config/rfc3339.h"
#include "common/log.h"
#include "supervisor/core/process_stats.h"
#include "supervisor/core/udp_socket.h"
#include "supervisor/core/worker_settings.h"
#include "supervisor/watchdog/health_status.h"

namespace nefia::supervisor {
namespace {

constexpr const char* kComponent = "supervisor";
constexpr uint64_t kMaxUnansweredPolls = 3;  // a worker silent for three report intervals is hung
constexpr auto kStopGrace = std::chrono::seconds(5);
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kHandshakeFreshness = std::chrono::seconds(180);  // WireGuard's reject-after time
constexpr int kPacketSocketBufferBytes = 4 * 1024 * 1024;

std::chrono::milliseconds toMillis(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration);
}

}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, SupervisorOptions options, AgentConfig config)
    : loop_(loop),
      options_(std::move(options)),
      config_(std::move(config)),
      startedAt_(std::chrono::steady_clock::now()),
      healthPath_(healthReportPath(options_.configPath)),
      broker_(loop, kConnectTimeout),
      watchdog_(loop, config_,
                {[this] {
                   WorkerProcess* tunnel = worker(kTunnel);
                   return tunnel != nullptr && tunnel->phase() == WorkerPhase::kReady &&
                          tunnel->send(ipc::MessageType::kStatusRequest, {{"request_id", nextRequestId_++}}).ok();
                 },
                 [this] { rebuildTunnel(); }, [this] { writeHealth(); }}),
      networkMonitor_(loop, [this](const AddressChange&) { watchdog_.onNetworkChange(); }) {
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
  Result<nlohmann::json> tunnel = tunnelSettings(config_);
  if (!tunnel.ok()) return makeError(tunnel.error());
  auto socket = bindWireGuardSocket(config_.listenPort);
  if (!socket.ok()) return makeError(socket.error());
  udpSocket_ = std::move(socket.value());
  broker_.setTarget(config_.sshAddr);

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

  for (int slot = 0; slot < kWorkerCount; ++slot) startWorker(static_cast<Slot>(slot));
  watchdog_.start();
  Status monitor = networkMonitor_.start();
  if (!monitor.ok()) logWarn(kComponent, monitor.error(), "; tunnel rebuilds wait for the watchdog's checks");
  writeHealth();
  return Status::success();
}

void Supervisor::startWorker(Slot slot) {
  static constexpr ipc::Role kRoles[kWorkerCount] = {ipc::Role::kTunnel, ipc::Role::kForwarder, ipc::Role::kBeacons,
                                                     ipc::Role::kUpdater};
  const ipc::Role role = kRoles[slot];
  WorkerLaunch launch{options_.executable, {"worker", std::string(ipc::toString(role))}};
  launch.arguments.insert(launch.arguments.end(), options_.workerArguments.begin(), options_.workerArguments.end());
  // Fault injection for tests (the `testing:` section exists only in NEFIA_TEST_HOOKS builds).
  if (config_.testing.fault && ipc::toString(role) == toString(config_.testing.fault->worker)) {
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
  workers_[slot] = std::make_unique<WorkerProcess>(loop_, role, std::move(launch), policy, std::move(callbacks));
  workers_[slot]->start();
}

void Supervisor::onWorkerReady(WorkerProcess& worker) {
  unansweredPolls_[static_cast<int>(worker.role()) - 1] = 0;
  configureWorker(worker);
  if (worker.role() == ipc::Role::kTunnel || worker.role() == ipc::Role::kForwarder) relinkPacketPath();
}

void Supervisor::configureWorker(WorkerProcess& worker) {
  nlohmann::json settings;
  switch (worker.role()) {
    case ipc::Role::kTunnel: {
      Result<nlohmann::json> tunnel = tunnelSettings(config_);
      if (!tunnel.ok()) {
        logError(kComponent, "cannot configure the tunnel: ", tunnel.error());
        return;
      }
      settings = std::move(tunnel.value());
      break;
    }
    case ipc::Role::kForwarder: settings = forwarderSettings(config_); break;
    case ipc::Role::kBeacons: settings = beaconsSettings(config_); break;
    default: settings = updaterSettings(config_); break;
  }
  if (worker.role() == ipc::Role::kTunnel && rebindUdpSocket_) {
    udpSocket_.reset();  // the previous incarnation is gone, so its port is free to bind again
    auto socket = bindWireGuardSocket(config_.listenPort);
    if (!socket.ok()) {
      logError(kComponent, "tunnel rebuild: ", socket.error(), "; the watchdog tries again at its next rebuild");
      return;
    }
    udpSocket_ = std::move(socket.value());
    rebindUdpSocket_ = false;
  }
  Status sent = Status::success();
  if (worker.role() == ipc::Role::kTunnel) {
    // The socket goes first: the tunnel sends its first handshake initiation as soon as it is configured.
    const int fd = udpSocket_.get();
    sent = worker.send(ipc::MessageType::kHandOverFd, {{"role", "udp_socket"}}, std::span<const int>(&fd, 1));
  }
  if (sent.ok()) sent = worker.send(ipc::MessageType::kConfigure, settings);
  if (!sent.ok()) worker.killAndRestart("could not be configured (" + sent.error() + ")");
}

void Supervisor::relinkPacketPath() {
  WorkerProcess* tunnel = worker(kTunnel);
  WorkerProcess* forwarder = worker(kForwarder);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0) {
    logError(kComponent, "cannot create the packet socketpair between tunnel and forwarder: ", std::strerror(errno));
    return;
  }
  ipc::UniqueFd tunnelEnd(pair[0]);
  ipc::UniqueFd forwarderEnd(pair[1]);
  for (int fd : pair) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kPacketSocketBufferBytes, sizeof kPacketSocketBufferBytes);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kPacketSocketBufferBytes, sizeof kPacketSocketBufferBytes);
  }
  const nlohmann::json payload = {{"role", "packet_link"}};
  for (auto [process, end] : {std::pair{tunnel, tunnelEnd.get()}, std::pair{forwarder, forwarderEnd.get()}}) {
    if (process == nullptr || process->phase() != WorkerPhase::kReady) continue;
    Status sent = process->send(ipc::MessageType::kHandOverFd, payload, std::span<const int>(&end, 1));
    if (!sent.ok()) process->killAndRestart("could not take the packet link (" + sent.error() + ")");
  }
}

void Supervisor::onWorkerMessage(WorkerProcess& worker, ipc::InboundMessage&& message) {
  switch (message.type) {
    case ipc::MessageType::kStatusReport: {
      unansweredPolls_[static_cast<int>(worker.role()) - 1] = 0;
      auto& report = std::get<ipc::StatusReportPayload>(message.payload);
      if (auto* tunnel = std::get_if<ipc::TunnelStatus>(&report.details)) {
        peers_ = std::move(tunnel->peers);
        watchdog_.onPeerStatus(peers_);
      }
      if (auto* forwarder = std::get_if<ipc::ForwarderStatus>(&report.details)) forwarder_ = *forwarder;
      return;
    }
    case ipc::MessageType::kConnectRequest: {
      const uint64_t requestId = std::get<ipc::ConnectRequestPayload>(message.payload).requestId;
      const uint64_t generation = worker.generation();
      broker_.connect([this, requestId, generation](Result<ipc::UniqueFd> connected) {
        WorkerProcess* forwarder = this->worker(kForwarder);
        const bool reachable = connected.ok();
        if (reachable != sshReachable_) {
          if (reachable) {
            logInfo(kComponent, "SSH server at ", broker_.target(), " is reachable");
          } else {
            logWarn(kComponent, "SSH server at ", broker_.target(), " is unreachable: ", connected.error());
          }
          sshReachable_ = reachable;
        }
        if (forwarder == nullptr || forwarder->generation() != generation ||
            forwarder->phase() == WorkerPhase::kStopped) {
          return;  // the incarnation that asked is gone; the fd closes here
        }
        if (reachable) {
          const int fd = connected.value().get();
          (void)forwarder->send(ipc::MessageType::kConnectResult, {{"request_id", requestId}, {"ok", true}, {"error", ""}},
                                std::span<const int>(&fd, 1));
        } else {
          (void)forwarder->send(ipc::MessageType::kConnectResult,
                                {{"request_id", requestId}, {"ok", false}, {"error", connected.error()}});
        }
      });
      return;
    }
    default:
      return;
  }
}

void Supervisor::pollWorkers() {
  for (int slot = 0; slot < kWorkerCount; ++slot) {
    WorkerProcess* process = worker(static_cast<Slot>(slot));
    if (process == nullptr || process->phase() != WorkerPhase::kReady) continue;
    if (unansweredPolls_[slot] >= kMaxUnansweredPolls) {
      unansweredPolls_[slot] = 0;
      process->killAndRestart("stopped answering status requests");
      continue;
    }
    ++unansweredPolls_[slot];
    (void)process->send(ipc::MessageType::kStatusRequest, {{"request_id", nextRequestId_++}});
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
  Result<nlohmann::json> tunnel = tunnelSettings(loaded->config);
  if (!tunnel.ok()) return fail(tunnel.error());

  const ConfigChanges changes = diffConfigs(config_, loaded->config);
  ipc::UniqueFd newSocket;
  if (changes.listenPort) {
    auto socket = bindWireGuardSocket(loaded->config.listenPort);
    if (!socket.ok()) return fail(socket.error());
    newSocket = std::move(socket.value());
  }
  registerConfigSecrets(loaded->config);
  config_ = std::move(loaded->config);
  watchdog_.setPeers(config_.peers);
  lastConfigError_.clear();
  broker_.setTarget(config_.sshAddr);

  WorkerProcess* tunnelWorker = worker(kTunnel);
  if ((changes.privateKey || changes.peers() || changes.address || changes.listenPort) && tunnelWorker != nullptr &&
      tunnelWorker->phase() == WorkerPhase::kReady) {
    (void)tunnelWorker->send(ipc::MessageType::kConfigUpdate, tunnel.value());
  }
  if (changes.listenPort) {
    udpSocket_ = std::move(newSocket);
    if (tunnelWorker != nullptr && tunnelWorker->phase() == WorkerPhase::kReady) {
      const int fd = udpSocket_.get();
      (void)tunnelWorker->send(ipc::MessageType::kHandOverFd, {{"role", "udp_socket"}}, std::span<const int>(&fd, 1));
    }
  }
  WorkerProcess* forwarderWorker = worker(kForwarder);
  if (changes.address && forwarderWorker != nullptr && forwarderWorker->phase() == WorkerPhase::kReady) {
    (void)forwarderWorker->send(ipc::MessageType::kConfigUpdate, forwarderSettings(config_));
  }
  WorkerProcess* beaconsWorker = worker(kBeacons);
  if (changes.beacons && beaconsWorker != nullptr && beaconsWorker->phase() == WorkerPhase::kReady) {
    (void)beaconsWorker->send(ipc::MessageType::kConfigUpdate, beaconsSettings(config_));
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
  logInfo(kComponent, signalName, " received: shutting down (forwarded connections get up to ",
          kDrainTimeoutMs / 1000, " s to finish)");
  uv_timer_stop(reportTimer_.get());
  watchdog_.stop();
  networkMonitor_.stop();
  for (auto& process : workers_) process->preventRestart();
  // The tunnel keeps running while the forwarder drains: open connections need it to finish.
  worker(kForwarder)->stop(kDrainTimeoutMs, std::chrono::milliseconds(kDrainTimeoutMs) + kStopGrace);
  worker(kBeacons)->stop(0, kStopGrace);
  worker(kUpdater)->stop(0, kStopGrace);
  onWorkerStopped();
}

void Supervisor::onWorkerStopped() {
  WorkerProcess* tunnel = worker(kTunnel);
  if (worker(kForwarder)->phase() == WorkerPhase::kStopped && tunnel->phase() != WorkerPhase::kStopped &&
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
  WorkerProcess* tunnel = worker(kTunnel);
  if (shuttingDown_ || tunnel == nullptr) return;
  rebindUdpSocket_ = true;
  peers_.clear();  // handshakes of the incarnation being replaced no longer count
  // configureWorker() binds the new socket and re-resolves endpoint names (tunnelSettings) when it is ready.
  tunnel->replaceIncarnation("tunnel rebuild by the watchdog (new incarnation, new UDP socket, names re-resolved)");
}

int Supervisor::run() {
  uv_run(loop_, UV_RUN_DEFAULT);
  writeHealth();
  return exitCode_;
}

HealthReport Supervisor::buildHealthReport() const {
  HealthReport report;
  const auto now = std::chrono::system_clock::now();
  report.version = build::kVersion;
  report.uptimeSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - startedAt_).count();
  report.lastConfigError = lastConfigError_;
  report.updatedAt = formatRfc3339(now);
  report.reportIntervalSeconds =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(config_.testing.reportInterval).count());
  report.pid = ::getpid();
  uint64_t threads = readProcessStats(::getpid()).threads;
  bool coreReady = true;
  bool allReady = true;
  for (int slot = 0; slot < kWorkerCount; ++slot) {
    const WorkerProcess* process = worker(static_cast<Slot>(slot));
    if (process == nullptr) continue;
    const ProcessStats stats = readProcessStats(process->pid());
    threads += stats.threads;
    WorkerHealth health{process->pid(), toString(process->phase()), process->generation(), process->restarts(),
                        process->lastExit(), stats.rssKib};
    report.workers[process->name()] = health;
    const bool ready = process->phase() == WorkerPhase::kReady;
    allReady = allReady && ready;
    if (slot == kTunnel || slot == kForwarder) coreReady = coreReady && ready;
  }
  report.goroutines = static_cast<int64_t>(threads);
  report.rebuildCount = watchdog_.rebuildCount();
  report.lastRebuild = watchdog_.lastRebuild();
  for (const ipc::PeerStatus& peer : peers_) {
    report.peers.push_back({peer.publicKey, peer.vpnAddr, peer.endpoint, peer.lastHandshake, peer.rxBytes,
                            peer.txBytes, watchdog_.peerStale(peer.publicKey)});
    if (!peer.lastHandshake.empty()) {
      auto handshake = parseRfc3339(peer.lastHandshake);
      if (handshake.ok() && now - handshake.value() <= kHandshakeFreshness) report.vpnConnected = true;
    }
  }
  report.forwarder = {forwarder_.activeConnections, forwarder_.refusedConnections, sshReachable_};
  report.sandbox = {sandbox_.seccomp, static_cast<int64_t>(sandbox_.landlockAbi), sandbox_.workerUser};
  report.status = healthStatus({coreReady, allReady, watchdog_.healthy(), watchdog_.anyEndpointPeerStale(),
                                !config_.peers.empty(), report.vpnConnected, !lastConfigError_.empty()});
  return report;
}

void Supervisor::writeHealth() {
  Status written = writeHealthReport(healthPath_, buildHealthReport());
  if (!written.ok()) logWarn(kComponent, "cannot write the health report: ", written.error());
}

}  // namespace nefia::supervisor
