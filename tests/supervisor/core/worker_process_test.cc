// Tests for WorkerProcess with the fake spawner: hello and protocol check, hostile frames killing and
// restarting the worker with back-off, typed sends, and the graceful stop with its kill deadline.
#include "supervisor/core/worker_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

#include "ipc/frame.h"
#include "ipc/protocol_version.h"
#include "tests/supervisor/core/fake_spawner.h"

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;
using testing::FakeSpawner;
using testing::FakeWorker;
using testing::runFor;
using testing::runUntil;

class WorkerProcessTest : public ::testing::Test {
 protected:
  WorkerProcessTest() {
    uv_loop_init(&loop_);
    spawner_ = std::make_unique<FakeSpawner>(&loop_);
  }
  ~WorkerProcessTest() override {
    process_.reset();
    spawner_.reset();
    runFor(&loop_, 5ms);  // close callbacks
    uv_loop_close(&loop_);
  }

  void start(ipc::Role role = ipc::Role::kForwarder) {
    RestartPolicySettings policy;
    policy.initialBackoff = 40ms;
    policy.notReadyThrottle = 60ms;
    WorkerProcess::Callbacks callbacks;
    callbacks.ready = [this](WorkerProcess&, const ipc::ReadyPayload& ready) { readies_.push_back(ready); };
    callbacks.message = [this](WorkerProcess&, ipc::InboundMessage&& message) { messages_.push_back(message.type); };
    process_ = std::make_unique<WorkerProcess>(&loop_, *spawner_, role,
                                               WorkerLaunch{"/nefia-agent", {"worker", "forwarder"}}, policy,
                                               std::move(callbacks));
    process_->start();
  }
  std::shared_ptr<FakeWorker> current() const { return spawner_->spawned.back(); }
  void sendReady(uint64_t version = ipc::kProtocolVersion) {
    current()->send(ipc::MessageType::kReady, ipc::toJson(ipc::ReadyPayload{version, 42, {}}));
  }
  bool becomeReady() {
    sendReady();
    return runUntil(&loop_, [&] { return process_->phase() == WorkerPhase::kReady; });
  }
  bool killedWith(int signal) {
    return runUntil(&loop_, [&, worker = current()] {
      return !worker->signals.empty() && worker->signals.back() == signal;
    });
  }
  void sendRaw(const std::vector<uint8_t>& datagram) {
    ASSERT_EQ(::send(current()->rawEnd.get(), datagram.data(), datagram.size(), 0),
              static_cast<ssize_t>(datagram.size()));
  }

  uv_loop_t loop_;
  std::unique_ptr<FakeSpawner> spawner_;
  std::unique_ptr<WorkerProcess> process_;
  std::vector<ipc::ReadyPayload> readies_;
  std::vector<ipc::MessageType> messages_;
};

TEST_F(WorkerProcessTest, StartsWithTheLaunchAndBecomesReadyOnHello) {
  start();
  ASSERT_EQ(spawner_->spawned.size(), 1u);
  EXPECT_EQ(current()->launch.arguments, (std::vector<std::string>{"worker", "forwarder"}));
  EXPECT_EQ(process_->phase(), WorkerPhase::kStarting);
  EXPECT_EQ(process_->generation(), 1u);
  ASSERT_TRUE(becomeReady());
  ASSERT_EQ(readies_.size(), 1u);
  EXPECT_EQ(readies_[0].protocolVersion, ipc::kProtocolVersion);
  EXPECT_EQ(process_->pid(), current()->pid);
}

TEST_F(WorkerProcessTest, HelloWithUnsupportedProtocolKillsAndRestartsIt) {
  start();
  sendReady(ipc::kProtocolVersion + 1);
  ASSERT_TRUE(killedWith(SIGKILL));
  EXPECT_TRUE(readies_.empty());
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->spawned.size() == 2; }));
  EXPECT_EQ(process_->restarts(), 1u);
  EXPECT_EQ(process_->lastExit(), "signal 9");
  EXPECT_EQ(process_->generation(), 2u);
}

TEST_F(WorkerProcessTest, UnknownMessageTypeKillsItAndTheRestartWaitsTheBackoff) {
  start();
  ASSERT_TRUE(becomeReady());
  auto frame = ipc::encodeFrame(99, "{}");
  ASSERT_TRUE(frame.ok());
  const auto sentAt = std::chrono::steady_clock::now();
  sendRaw(frame.value());
  ASSERT_TRUE(killedWith(SIGKILL));
  EXPECT_EQ(process_->phase(), WorkerPhase::kReady);  // until its exit arrives
  ASSERT_TRUE(runUntil(&loop_, [&] { return process_->phase() == WorkerPhase::kWaitingToRestart; }));
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->spawned.size() == 2; }));
  // The policy's initial back-off of 40 ms, less libuv's cached loop time (timers count from the loop's clock).
  EXPECT_GE(std::chrono::steady_clock::now() - sentAt, 35ms);
  EXPECT_EQ(process_->phase(), WorkerPhase::kStarting);
}

TEST_F(WorkerProcessTest, OversizedDatagramKillsIt) {
  start();
  ASSERT_TRUE(becomeReady());
  sendRaw(std::vector<uint8_t>(ipc::kMaxFrameBytes + 1, 'x'));
  EXPECT_TRUE(killedWith(SIGKILL));
}

TEST_F(WorkerProcessTest, MessageNotAllowedForTheRoleKillsIt) {
  start(ipc::Role::kBeacons);  // only the forwarder may ask for connections
  ASSERT_TRUE(becomeReady());
  current()->send(ipc::MessageType::kConnectRequest, ipc::toJson(ipc::ConnectRequestPayload{1}));
  EXPECT_TRUE(killedWith(SIGKILL));
  EXPECT_TRUE(messages_.empty());
}

TEST_F(WorkerProcessTest, StatusReportBeforeReadyKillsIt) {
  start();
  ipc::StatusReportPayload report;
  report.requestId = 1;
  report.details = ipc::ForwarderStatus{};
  current()->send(ipc::MessageType::kStatusReport, ipc::toJson(report));
  EXPECT_TRUE(killedWith(SIGKILL));
}

TEST_F(WorkerProcessTest, ClosedChannelKillsAndRestartsIt) {
  start();
  ASSERT_TRUE(becomeReady());
  current()->channel->close();
  current()->rawEnd.reset();
  ASSERT_TRUE(killedWith(SIGKILL));
  EXPECT_TRUE(runUntil(&loop_, [&] { return spawner_->spawned.size() == 2; }));
}

TEST_F(WorkerProcessTest, ReadyWorkerGetsCheckedMessagesAndTypedSends) {
  start();
  ASSERT_TRUE(becomeReady());
  current()->send(ipc::MessageType::kConnectRequest, ipc::toJson(ipc::ConnectRequestPayload{7}));
  ASSERT_TRUE(runUntil(&loop_, [&] { return messages_.size() == 1; }));
  EXPECT_EQ(messages_[0], ipc::MessageType::kConnectRequest);

  const ipc::ForwarderSettings settings{ipc::kProtocolVersion, "10.99.0.2/24", 1420, 22};
  ASSERT_TRUE(process_->sendSettings(settings, /*update=*/false).ok());
  ASSERT_TRUE(process_->sendSettings(ipc::IdleSettings{ipc::kProtocolVersion}, true).ok());
  ASSERT_TRUE(process_->sendStatusRequest(9).ok());
  ASSERT_TRUE(runUntil(&loop_, [&] { return current()->received.size() == 3; }));
  const auto& received = current()->received;
  EXPECT_EQ(received[0].type, ipc::MessageType::kConfigure);
  auto forwarder = ipc::parseForwarderSettings(received[0].payload);
  ASSERT_TRUE(forwarder.ok()) << forwarder.error();
  EXPECT_EQ(forwarder->address, "10.99.0.2/24");
  EXPECT_EQ(received[1].type, ipc::MessageType::kConfigUpdate);
  EXPECT_EQ(received[2].type, ipc::MessageType::kStatusRequest);
  EXPECT_EQ(ipc::parseStatusRequest(received[2].payload)->requestId, 9u);
}

TEST_F(WorkerProcessTest, StopSendsShutdownWithDrainAndKillsAfterTheDeadline) {
  start();
  ASSERT_TRUE(becomeReady());
  process_->stop(1234, 50ms);
  EXPECT_EQ(process_->phase(), WorkerPhase::kStopping);
  ASSERT_TRUE(runUntil(&loop_, [&] { return !current()->receivedOf(ipc::MessageType::kShutdown).empty(); }));
  EXPECT_EQ(ipc::parseShutdown(current()->receivedOf(ipc::MessageType::kShutdown)[0]->payload)->drainMs, 1234u);
  runFor(&loop_, 20ms);
  EXPECT_TRUE(current()->signals.empty());  // still within its drain
  ASSERT_TRUE(killedWith(SIGKILL));
  ASSERT_TRUE(runUntil(&loop_, [&] { return process_->phase() == WorkerPhase::kStopped; }));
  runFor(&loop_, 100ms);
  EXPECT_EQ(spawner_->spawned.size(), 1u);  // no restart after a stop
}

TEST_F(WorkerProcessTest, WorkerThatFinishesItsDrainStopsWithoutRestart) {
  start();
  ASSERT_TRUE(becomeReady());
  process_->stop(0, 5s);
  current()->send(ipc::MessageType::kShutdownComplete, ipc::toJson(ipc::ShutdownCompletePayload{}));
  spawner_->exit(current(), 0);
  ASSERT_TRUE(runUntil(&loop_, [&] { return process_->phase() == WorkerPhase::kStopped; }));
  EXPECT_EQ(process_->lastExit(), "exit 0");
  EXPECT_TRUE(current()->signals.empty());
  runFor(&loop_, 100ms);
  EXPECT_EQ(spawner_->spawned.size(), 1u);
}

TEST_F(WorkerProcessTest, CrashBeforeReadyWaitsTheNotReadyThrottle) {
  start();
  const auto exitedAt = std::chrono::steady_clock::now();
  spawner_->exit(current(), 1);
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->spawned.size() == 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - exitedAt, 55ms);  // 60 ms, less libuv's cached loop time
  EXPECT_EQ(process_->lastExit(), "exit 1");
}

TEST_F(WorkerProcessTest, FailedSpawnIsRetriedPerThePolicy) {
  spawner_->failNextSpawn = true;
  start();
  EXPECT_EQ(process_->phase(), WorkerPhase::kWaitingToRestart);
  EXPECT_EQ(process_->lastExit(), "spawn failed");
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->spawned.size() == 1; }));
  EXPECT_EQ(process_->phase(), WorkerPhase::kStarting);
}

TEST_F(WorkerProcessTest, ReplacementRestartsAtOnceWithoutBackoff) {
  start();
  ASSERT_TRUE(becomeReady());
  const auto replacedAt = std::chrono::steady_clock::now();
  process_->replaceIncarnation("test");
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->spawned.size() == 2; }));
  EXPECT_LT(std::chrono::steady_clock::now() - replacedAt, 40ms);
}

TEST_F(WorkerProcessTest, MessagesOfAReplacedIncarnationAreDropped) {
  start();
  ASSERT_TRUE(becomeReady());
  auto old = current();
  process_->replaceIncarnation("test");
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->spawned.size() == 2; }));
  old->send(ipc::MessageType::kReady, ipc::toJson(ipc::ReadyPayload{ipc::kProtocolVersion, 1, {}}));
  runFor(&loop_, 20ms);
  EXPECT_EQ(process_->phase(), WorkerPhase::kStarting);
  EXPECT_EQ(readies_.size(), 1u);
}

}  // namespace
}  // namespace nefia::supervisor
