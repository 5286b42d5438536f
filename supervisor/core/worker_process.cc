// Worker lifecycle: spawn, hostile-input checks, exit accounting, restart with back-off, graceful stop.
// Three levels of failure: bad worker input -> one warning and a restart; our own invariant -> abort.
#include "supervisor/core/worker_process.h"

#include <signal.h>

#include "common/log.h"
#include "ipc/protocol_version.h"

namespace nefia::supervisor {
namespace {
constexpr const char* kComponent = "supervisor";

std::string describeExit(int64_t exitCode, int termSignal) {
  if (termSignal != 0) return "signal " + std::to_string(termSignal);
  return "exit " + std::to_string(exitCode);
}
}  // namespace

const char* toString(WorkerPhase phase) {
  switch (phase) {
    case WorkerPhase::kStopped: return "stopped";
    case WorkerPhase::kStarting: return "starting";
    case WorkerPhase::kReady: return "ready";
    case WorkerPhase::kStopping: return "stopping";
    case WorkerPhase::kWaitingToRestart: return "restarting";
  }
  return "unknown";
}

WorkerProcess::WorkerProcess(uv_loop_t* loop, WorkerSpawner& spawner, ipc::Role role, WorkerLaunch launch,
                             RestartPolicySettings policy, Callbacks callbacks)
    : loop_(loop),
      spawner_(spawner),
      role_(role),
      launch_(std::move(launch)),
      policy_(policy),
      callbacks_(std::move(callbacks)) {
  timer_.init(uv_timer_init, loop_);
  timer_.get()->data = this;
}

WorkerProcess::~WorkerProcess() {
  if (channel_) channel_->close();
  process_.reset();  // kills a still running incarnation
  timer_.close();
}

void WorkerProcess::setPhase(WorkerPhase phase) {
  phase_ = phase;
  if (callbacks_.stateChanged) callbacks_.stateChanged(*this);
}

ipc::WorkerState WorkerProcess::policyState() const {
  switch (phase_) {
    case WorkerPhase::kReady: return ipc::WorkerState::kReady;
    case WorkerPhase::kStopping: return ipc::WorkerState::kStopping;
    default: return ipc::WorkerState::kStarting;
  }
}

void WorkerProcess::start() {
  stopRequested_ = false;
  spawnIncarnation();
}

void WorkerProcess::spawnIncarnation() {
  const uint64_t generation = ++generation_;
  auto spawned = spawner_.spawn(loop_, launch_, [this, generation](int64_t exitCode, int termSignal) {
    handleExit(generation, exitCode, termSignal);
  });
  if (!spawned.ok()) {
    logError(kComponent, "worker ", name(), ": ", spawned.error());
    lastExit_ = "spawn failed";
    scheduleRestart(policy_.onExit(std::chrono::steady_clock::now()));
    return;
  }
  process_ = std::move(spawned.value());
  auto channel = ipc::IpcChannel::open(loop_, process_->takeSupervisorEnd(), "worker " + name());
  if (!channel.ok()) {
    logError(kComponent, "worker ", name(), ": cannot open its IPC channel: ", channel.error());
    process_->kill(SIGKILL);
    return;
  }
  channel_ = channel.value();
  channel_->onMessage([this, generation](ipc::RawFrame&& frame) { handleFrame(generation, std::move(frame)); });
  channel_->onClosed([this, generation](std::string reason) {
    if (generation != generation_ || !process_) return;
    if (phase_ == WorkerPhase::kStopping) return;  // it is on its way out
    killAndRestart("closed its IPC channel (" + reason + ")");
  });
  policy_.onStarted(std::chrono::steady_clock::now());
  logInfo(kComponent, "started worker ", name(), " (pid ", process_->pid(), ", generation ", generation, ")");
  setPhase(WorkerPhase::kStarting);
}

void WorkerProcess::handleFrame(uint64_t generation, ipc::RawFrame&& frame) {
  if (generation != generation_ || !process_) return;  // a message from an old incarnation is dropped
  Result<ipc::InboundMessage> message = ipc::checkInbound(role_, policyState(), frame);
  if (!message.ok()) {
    killAndRestart(message.error());
    return;
  }
  handleChecked(std::move(message.value()));
}

void WorkerProcess::handleChecked(ipc::InboundMessage&& message) {
  switch (message.type) {
    case ipc::MessageType::kLog: {
      const auto& log = std::get<ipc::LogPayload>(message.payload);
      Logger::instance().log(log.level, name(), log.message);
      return;
    }
    case ipc::MessageType::kReady: {
      if (phase_ != WorkerPhase::kStarting) return;  // a late ready while stopping needs nothing
      const auto& ready = std::get<ipc::ReadyPayload>(message.payload);
      if (!ipc::supervisorAccepts(ready.protocolVersion)) {
        killAndRestart("speaks IPC protocol " + std::to_string(ready.protocolVersion) + ", but " +
                       ipc::describeSupervisorRange() + " (install matching nefia-agent binaries)");
        return;
      }
      policy_.onReady(std::chrono::steady_clock::now());
      logInfo(kComponent, "worker ", name(), " is ready (pid ", process_->pid(), ")");
      setPhase(WorkerPhase::kReady);
      if (callbacks_.ready) callbacks_.ready(*this, ready);
      return;
    }
    case ipc::MessageType::kStatusReport: {
      auto whole = statusParts_.add(std::move(std::get<ipc::StatusReportPayload>(message.payload)));
      if (!whole.ok()) {
        killAndRestart("sent " + whole.error());
        return;
      }
      if (!whole->has_value()) return;  // more parts follow
      message.payload = std::move(**whole);
      break;
    }
    default: break;
  }
  if (callbacks_.message) callbacks_.message(*this, std::move(message));
}

void WorkerProcess::killAndRestart(const std::string& reason) {
  if (!process_) return;
  logWarn(kComponent, reason.rfind("worker ", 0) == 0 ? reason : "worker " + name() + " " + reason +
                                                                     "; restarting it");
  process_->kill(SIGKILL);  // the exit callback restarts it per the policy
}

void WorkerProcess::replaceIncarnation(const std::string& reason) {
  if (!process_) return;
  logInfo(kComponent, "replacing worker ", name(), ": ", reason);
  replacing_ = true;
  process_->kill(SIGKILL);
}

void WorkerProcess::handleExit(uint64_t generation, int64_t exitCode, int termSignal) {
  if (generation != generation_) return;
  lastExit_ = describeExit(exitCode, termSignal);
  if (channel_) {
    channel_->close();
    channel_.reset();
  }
  // Closing a process handle from its own exit callback is libuv's documented pattern.
  process_.reset();
  uv_timer_stop(timer_.get());
  if (stopRequested_ || !restartAllowed_) {
    logInfo(kComponent, "worker ", name(), " stopped (", lastExit_, ")");
    setPhase(WorkerPhase::kStopped);
    return;
  }
  if (replacing_) {
    replacing_ = false;
    scheduleRestart(std::chrono::milliseconds(0));
    return;
  }
  const auto delay = policy_.onExit(std::chrono::steady_clock::now());
  logWarn(kComponent, "worker ", name(), " exited (", lastExit_, "); restarting ",
          delay.count() == 0 ? std::string("now") : "in " + std::to_string(delay.count()) + " ms");
  scheduleRestart(delay);
}

void WorkerProcess::scheduleRestart(std::chrono::milliseconds delay) {
  setPhase(WorkerPhase::kWaitingToRestart);
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* timer) {
        auto* self = static_cast<WorkerProcess*>(timer->data);
        if (self->stopRequested_ || !self->restartAllowed_ || self->process_) return;
        ++self->restarts_;
        self->spawnIncarnation();
      },
      static_cast<uint64_t>(delay.count()), 0);
}

void WorkerProcess::stop(uint64_t drainMs, std::chrono::milliseconds killAfter) {
  stopRequested_ = true;
  uv_timer_stop(timer_.get());
  if (!process_) {
    setPhase(WorkerPhase::kStopped);
    return;
  }
  setPhase(WorkerPhase::kStopping);
  if (!channel_ || !channel_->send(ipc::MessageType::kShutdown, ipc::toJson(ipc::ShutdownPayload{drainMs})).ok()) {
    process_->kill(SIGTERM);
  }
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* timer) {
        auto* self = static_cast<WorkerProcess*>(timer->data);
        if (!self->process_) return;
        logWarn(kComponent, "worker ", self->name(), " did not stop in time; killing it");
        self->process_->kill(SIGKILL);
      },
      static_cast<uint64_t>(killAfter.count()), 0);
}

Status WorkerProcess::send(ipc::MessageType type, const nlohmann::json& payload, std::span<const int> fds) {
  if (!channel_) return makeError("worker " + name() + " is not running");
  return channel_->send(type, payload, fds);
}

Status WorkerProcess::sendSettings(const ipc::WorkerSettings& settings, bool update) {
  const ipc::MessageType type = update ? ipc::MessageType::kConfigUpdate : ipc::MessageType::kConfigure;
  if (const auto* tunnel = std::get_if<ipc::TunnelSettings>(&settings)) {
    for (const nlohmann::json& part : ipc::toJsonParts(*tunnel, ipc::kMaxPayloadBytes)) {
      Status sent = send(type, part);
      if (!sent.ok()) return sent;
    }
    return Status::success();
  }
  if (const auto* forwarder = std::get_if<ipc::ForwarderSettings>(&settings)) return send(type, ipc::toJson(*forwarder));
  if (const auto* beacons = std::get_if<ipc::BeaconsSettings>(&settings)) return send(type, ipc::toJson(*beacons));
  return send(type, ipc::toJson(std::get<ipc::IdleSettings>(settings)));
}

Status WorkerProcess::sendHandOverFd(ipc::HandedFd role, int fd) {
  return send(ipc::MessageType::kHandOverFd, ipc::toJson(ipc::HandOverFdPayload{role}), std::span<const int>(&fd, 1));
}

Status WorkerProcess::sendConnectResult(const ipc::ConnectResultPayload& result, int fd) {
  if (!result.ok) return send(ipc::MessageType::kConnectResult, ipc::toJson(result));
  return send(ipc::MessageType::kConnectResult, ipc::toJson(result), std::span<const int>(&fd, 1));
}

Status WorkerProcess::sendStatusRequest(uint64_t requestId) {
  return send(ipc::MessageType::kStatusRequest, ipc::toJson(ipc::StatusRequestPayload{requestId}));
}

}  // namespace nefia::supervisor
