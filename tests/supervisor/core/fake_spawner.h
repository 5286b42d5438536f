// A WorkerSpawner for unit tests: no process is started. Each spawn hands the test the worker's end of the
// IPC socketpair as a FakeWorker the test plays; kill() ends the incarnation on the next loop turn.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/uv_handle.h"
#include "ipc/channel.h"
#include "ipc/message_types.h"
#include "supervisor/core/worker_spawner.h"

namespace nefia::supervisor::testing {

struct ReceivedMessage {
  ipc::MessageType type;
  nlohmann::json payload;
  std::vector<UniqueFd> fds;
};

struct FakeWorker {
  WorkerLaunch launch;
  int pid = 0;
  std::shared_ptr<ipc::IpcChannel> channel;  // the worker's end, read and written by the test
  UniqueFd rawEnd;                           // a duplicate of the worker's end, for hand-made hostile datagrams
  std::vector<ReceivedMessage> received;     // everything the supervisor sent, in order
  std::vector<int> signals;                  // kill() calls, in order
  bool exited = false;
  ExitCallback onExit;

  std::string name() const { return launch.arguments.size() > 1 ? launch.arguments[1] : ""; }
  // Sends one typed message as the worker would.
  void send(ipc::MessageType type, const nlohmann::json& payload);
  // The received messages of `type`, in order.
  std::vector<const ReceivedMessage*> receivedOf(ipc::MessageType type) const;
};

class FakeSpawner final : public WorkerSpawner {
 public:
  explicit FakeSpawner(uv_loop_t* loop);
  ~FakeSpawner() override;

  Result<std::unique_ptr<WorkerIncarnation>> spawn(uv_loop_t* loop, const WorkerLaunch& launch,
                                                   ExitCallback onExit) override;

  // The worker exits on its own (exit code, or the terminating signal) on the next loop turn.
  void exit(const std::shared_ptr<FakeWorker>& worker, int64_t exitCode, int termSignal = 0);
  // Every incarnation of worker `name` (the `worker NAME` argument), in spawn order.
  std::vector<std::shared_ptr<FakeWorker>> incarnations(const std::string& name) const;
  std::shared_ptr<FakeWorker> latest(const std::string& name) const;

  std::vector<std::shared_ptr<FakeWorker>> spawned;
  bool failNextSpawn = false;

 private:
  struct PendingExit {
    std::weak_ptr<FakeWorker> worker;
    int64_t exitCode;
    int termSignal;
  };
  static void onTimer(uv_timer_t* timer);

  uv_loop_t* loop_;
  UvHandle<uv_timer_t> timer_;
  std::vector<PendingExit> pendingExits_;
  int nextPid_ = 1000;
};

// Runs the loop until `done()` holds or `timeout` passes; returns done().
bool runUntil(uv_loop_t* loop, const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::seconds(3));
// Runs the loop for `duration` (for checks that something does not happen).
void runFor(uv_loop_t* loop, std::chrono::milliseconds duration);

}  // namespace nefia::supervisor::testing
