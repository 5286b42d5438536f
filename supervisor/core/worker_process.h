// One worker role under supervision: its current incarnation (process + IPC channel), generation number,
// restart policy and counters. Treats every frame from the worker as hostile (ipc/inbound_policy.h).
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "ipc/channel.h"
#include "ipc/inbound_policy.h"
#include "ipc/message_types.h"
#include "ipc/settings_payloads.h"
#include "common/uv_handle.h"
#include "supervisor/core/restart_policy.h"
#include "supervisor/core/worker_spawner.h"

namespace nefia::supervisor {

enum class WorkerPhase { kStopped, kStarting, kReady, kStopping, kWaitingToRestart };
const char* toString(WorkerPhase phase);  // "stopped", "starting", "ready", "stopping", "restarting"

class WorkerProcess {
 public:
  struct Callbacks {
    std::function<void(WorkerProcess&, const ipc::ReadyPayload&)> ready;  // send configure and fds now
    std::function<void(WorkerProcess&, ipc::InboundMessage&&)> message;   // status_report, connect_request, ...
    std::function<void(WorkerProcess&)> stateChanged;                     // health report refresh
  };

  WorkerProcess(uv_loop_t* loop, WorkerSpawner& spawner, ipc::Role role, WorkerLaunch launch,
                RestartPolicySettings policy, Callbacks callbacks);
  ~WorkerProcess();

  void start();
  // Asks the incarnation to finish (shutdown message), kills it after `killAfter`; no restart follows.
  void stop(uint64_t drainMs, std::chrono::milliseconds killAfter);
  // Kills the incarnation for misbehaviour (logged with `reason`) and restarts it per the policy.
  void killAndRestart(const std::string& reason);
  // A deliberate replacement (watchdog rebuild): kill and start the next incarnation at once, without
  // charging the crash back-off.
  void replaceIncarnation(const std::string& reason);
  // The agent is shutting down: an incarnation that exits from now on is not restarted.
  void preventRestart() { restartAllowed_ = false; }
  // The typed sends, one per supervisor -> worker message; `update` sends config_update instead of configure.
  Status sendSettings(const ipc::WorkerSettings& settings, bool update);
  Status sendHandOverFd(ipc::HandedFd role, int fd);
  Status sendConnectResult(const ipc::ConnectResultPayload& result, int fd);  // fd only when result.ok
  Status sendStatusRequest(uint64_t requestId);

  ipc::Role role() const { return role_; }
  std::string name() const { return std::string(ipc::toString(role_)); }
  WorkerPhase phase() const { return phase_; }
  int pid() const { return process_ ? process_->pid() : 0; }
  uint64_t generation() const { return generation_; }
  uint64_t restarts() const { return restarts_; }
  const std::string& lastExit() const { return lastExit_; }
  bool running() const { return process_ != nullptr; }

 private:
  void spawnIncarnation();
  void handleFrame(uint64_t generation, ipc::RawFrame&& frame);
  void handleExit(uint64_t generation, int64_t exitCode, int termSignal);
  void scheduleRestart(std::chrono::milliseconds delay);
  void setPhase(WorkerPhase phase);
  ipc::WorkerState policyState() const;
  Status send(ipc::MessageType type, const nlohmann::json& payload, std::span<const int> fds = {});
  void handleChecked(ipc::InboundMessage&& message);

  uv_loop_t* loop_;
  WorkerSpawner& spawner_;
  ipc::Role role_;
  WorkerLaunch launch_;
  RestartPolicy policy_;
  Callbacks callbacks_;
  std::unique_ptr<WorkerIncarnation> process_;
  std::shared_ptr<ipc::IpcChannel> channel_;
  ipc::StatusReportAssembler statusParts_;  // the tunnel's reports may span several frames
  UvHandle<uv_timer_t> timer_;  // restart delay, or the kill deadline while stopping
  WorkerPhase phase_ = WorkerPhase::kStopped;
  uint64_t generation_ = 0;
  uint64_t restarts_ = 0;
  std::string lastExit_;
  bool stopRequested_ = false;
  bool restartAllowed_ = true;
  bool replacing_ = false;
};

}  // namespace nefia::supervisor
