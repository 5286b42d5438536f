// The fake spawner: a socketpair per incarnation, exits delivered from a zero timer like libuv's exit callback.
// The incarnation object the supervisor holds only forwards kill() and its destruction to the FakeWorker.
#include "tests/supervisor/core/fake_spawner.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "ipc/frame.h"

namespace nefia::supervisor::testing {
namespace {

class FakeIncarnation final : public WorkerIncarnation {
 public:
  FakeIncarnation(std::shared_ptr<FakeWorker> worker, UniqueFd supervisorEnd,
                  std::function<void(int)> kill)
      : worker_(std::move(worker)), supervisorEnd_(std::move(supervisorEnd)), kill_(std::move(kill)) {}
  ~FakeIncarnation() override {
    if (worker_->exited) return;
    worker_->signals.push_back(SIGKILL);  // the real one kills a still running process here
    worker_->exited = true;
    if (worker_->channel) worker_->channel->close();
    worker_->rawEnd.reset();
  }
  int pid() const override { return worker_->pid; }
  UniqueFd takeSupervisorEnd() override { return std::move(supervisorEnd_); }
  void kill(int signal) override { kill_(signal); }

 private:
  std::shared_ptr<FakeWorker> worker_;
  UniqueFd supervisorEnd_;
  std::function<void(int)> kill_;
};

}  // namespace

void FakeWorker::send(ipc::MessageType type, const nlohmann::json& payload) {
  if (channel) (void)channel->send(type, payload);
}

std::vector<const ReceivedMessage*> FakeWorker::receivedOf(ipc::MessageType type) const {
  std::vector<const ReceivedMessage*> matching;
  for (const ReceivedMessage& message : received) {
    if (message.type == type) matching.push_back(&message);
  }
  return matching;
}

FakeSpawner::FakeSpawner(uv_loop_t* loop) : loop_(loop) {
  timer_.init(uv_timer_init, loop_);
  timer_.get()->data = this;
}

FakeSpawner::~FakeSpawner() {
  for (auto& worker : spawned) {
    if (worker->channel) worker->channel->close();
  }
  timer_.close();
}

Result<std::unique_ptr<WorkerIncarnation>> FakeSpawner::spawn(uv_loop_t* loop, const WorkerLaunch& launch,
                                                              ExitCallback onExit) {
  if (failNextSpawn) {
    failNextSpawn = false;
    return makeError("cannot start " + launch.executable + ": fake spawn failure");
  }
  auto pair = ipc::makeChannelPair();
  if (!pair.ok()) return makeError(pair.error());
  auto worker = std::make_shared<FakeWorker>();
  worker->launch = launch;
  worker->pid = nextPid_++;
  worker->onExit = std::move(onExit);
  worker->rawEnd = UniqueFd(::dup(pair->second.get()));
  auto channel = ipc::IpcChannel::open(loop, std::move(pair->second), "supervisor");
  if (!channel.ok()) return makeError(channel.error());
  worker->channel = channel.value();
  std::weak_ptr<FakeWorker> weak = worker;
  worker->channel->onMessage([weak](ipc::RawFrame&& frame) {
    auto self = weak.lock();
    auto view = ipc::decodeFrame(frame);
    if (!self || !view.ok()) return;
    self->received.push_back({static_cast<ipc::MessageType>(view->type),
                              nlohmann::json::parse(view->payload, nullptr, false), std::move(frame.fds)});
  });
  spawned.push_back(worker);
  return std::unique_ptr<WorkerIncarnation>(new FakeIncarnation(
      worker, std::move(pair->first), [this, weak](int signal) {
        auto self = weak.lock();
        if (!self || self->exited) return;
        self->signals.push_back(signal);
        if (signal == SIGKILL || signal == SIGTERM) exit(self, 0, signal);
      }));
}

void FakeSpawner::exit(const std::shared_ptr<FakeWorker>& worker, int64_t exitCode, int termSignal) {
  pendingExits_.push_back({worker, exitCode, termSignal});
  uv_timer_start(timer_.get(), &FakeSpawner::onTimer, 0, 0);
}

void FakeSpawner::onTimer(uv_timer_t* timer) {
  auto* self = static_cast<FakeSpawner*>(timer->data);
  std::vector<PendingExit> exits = std::move(self->pendingExits_);
  self->pendingExits_.clear();
  for (const PendingExit& pending : exits) {
    auto worker = pending.worker.lock();
    if (!worker || worker->exited) continue;
    worker->exited = true;
    if (worker->channel) worker->channel->close();  // a dead process's socket end closes
    worker->rawEnd.reset();
    ExitCallback callback = worker->onExit;        // may destroy the incarnation
    if (callback) callback(pending.exitCode, pending.termSignal);
  }
}

std::vector<std::shared_ptr<FakeWorker>> FakeSpawner::incarnations(const std::string& name) const {
  std::vector<std::shared_ptr<FakeWorker>> matching;
  for (const auto& worker : spawned) {
    if (worker->name() == name) matching.push_back(worker);
  }
  return matching;
}

std::shared_ptr<FakeWorker> FakeSpawner::latest(const std::string& name) const {
  auto all = incarnations(name);
  return all.empty() ? nullptr : all.back();
}

bool runUntil(uv_loop_t* loop, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    uv_run(loop, UV_RUN_NOWAIT);
    if (!done()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

void runFor(uv_loop_t* loop, std::chrono::milliseconds duration) {
  runUntil(loop, [] { return false; }, duration);
}

}  // namespace nefia::supervisor::testing
