// Tests for ipc/worker_channel and ipc/ipc_log_sink: what a worker accepts from the supervisor, what it may
// send, and that its log lines reach the supervisor as `log` frames (redacted, escaped, losses reported).
#include "ipc/worker_channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "ipc/inbound_policy.h"
#include "ipc/ipc_log_sink.h"
#include "tests/ipc/test_support.h"

namespace nefia::ipc {
namespace {

using testing::rawFrame;

TEST(CheckFromSupervisorTest, AcceptsConfigureWithItsObject) {
  Result<Message> message =
      checkFromSupervisor(Role::kTunnel, rawFrame(MessageType::kConfigure, nlohmann::json{{"listen_port", 51820}}));
  ASSERT_TRUE(message.ok()) << message.error();
  EXPECT_EQ(message->type, MessageType::kConfigure);
  EXPECT_EQ(message->payload["listen_port"], 51820);
}

TEST(CheckFromSupervisorTest, RejectsWhatThisRoleDoesNotReceive) {
  EXPECT_EQ(checkFromSupervisor(Role::kTunnel,
                                rawFrame(MessageType::kConnectResult, toJson(ConnectResultPayload{1, false, "refused"})))
                .error(),
            "supervisor sent connect_result, which only the forwarder receives");
  EXPECT_EQ(checkFromSupervisor(Role::kTunnel, rawFrame(MessageType::kLog, nlohmann::json::object())).error(),
            "supervisor sent log, which only workers send");
  EXPECT_EQ(checkFromSupervisor(Role::kTunnel, rawFrame(MessageType::kHandOverFd, toJson(HandOverFdPayload{}))).error(),
            "supervisor sent hand_over_fd with 0 fds attached, which hand_over_fd must carry exactly 1 file descriptor");
}

TEST(CheckFromSupervisorTest, MovesTheFdOutOfTheFrame) {
  int ends[2];
  ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
  UniqueFd readEnd(ends[0]);
  RawFrame frame = rawFrame(MessageType::kHandOverFd, toJson(HandOverFdPayload{HandedFd::kUdpSocket}));
  frame.fds.emplace_back(ends[1]);
  Result<Message> message = checkFromSupervisor(Role::kTunnel, std::move(frame));
  ASSERT_TRUE(message.ok()) << message.error();
  ASSERT_EQ(message->fds.size(), 1u);
  EXPECT_EQ(message->fds[0].get(), ends[1]);
}

class WorkerChannelTest : public testing::LoopTest {
 protected:
  void open(Role role) {
    Result<std::pair<UniqueFd, UniqueFd>> pair = makeChannelPair();
    ASSERT_TRUE(pair.ok()) << pair.error();
    Result<std::shared_ptr<IpcChannel>> supervisor = IpcChannel::open(&loop_, std::move(pair->first), "worker");
    ASSERT_TRUE(supervisor.ok()) << supervisor.error();
    supervisor_ = supervisor.value();
    supervisor_->onMessage([this](RawFrame&& frame) { atSupervisor_.push_back(std::move(frame)); });
    Result<std::unique_ptr<WorkerChannel>> worker = WorkerChannel::open(&loop_, role, std::move(pair->second));
    ASSERT_TRUE(worker.ok()) << worker.error();
    worker_ = std::move(worker.value());
  }

  void TearDown() override {
    Logger::instance().clearSinks();
    Logger::instance().clearSecrets();
    worker_.reset();
    if (supervisor_) supervisor_->close();
    supervisor_.reset();
    atSupervisor_.clear();
    LoopTest::TearDown();
  }

  LogPayload receivedLog(std::size_t index) {
    Result<InboundMessage> message = checkInbound(Role::kTunnel, WorkerState::kReady, atSupervisor_.at(index));
    EXPECT_TRUE(message.ok()) << message.error();
    return message.ok() ? std::get<LogPayload>(message->payload) : LogPayload{};
  }

  std::shared_ptr<IpcChannel> supervisor_;
  std::unique_ptr<WorkerChannel> worker_;
  std::vector<RawFrame> atSupervisor_;
};

TEST_F(WorkerChannelTest, DeliversCheckedMessagesAndRefusesWhatTheRoleMayNotSend) {
  open(Role::kForwarder);
  std::vector<Message> received;
  worker_->onMessage([&](Message&& message) { received.push_back(std::move(message)); });
  ASSERT_TRUE(supervisor_->send(MessageType::kStatusRequest, toJson(StatusRequestPayload{3})).ok());
  ASSERT_TRUE(runUntil([&] { return received.size() == 1; }));
  EXPECT_EQ(parseStatusRequest(received[0].payload)->requestId, 3u);

  EXPECT_TRUE(worker_->send(MessageType::kConnectRequest, toJson(ConnectRequestPayload{4})).ok());
  EXPECT_EQ(worker_->send(MessageType::kConfigure, nlohmann::json::object()).error(),
            "the forwarder worker may not send configure (only the supervisor may)");
}

TEST_F(WorkerChannelTest, TunnelMayNotSendConnectRequest) {
  open(Role::kTunnel);
  EXPECT_EQ(worker_->send(MessageType::kConnectRequest, toJson(ConnectRequestPayload{4})).error(),
            "the tunnel worker may not send connect_request (only the forwarder may)");
}

TEST_F(WorkerChannelTest, InvalidSupervisorFrameClosesTheChannelWithTheReason) {
  open(Role::kBeacons);
  std::vector<std::string> reasons;
  worker_->onClosed([&](std::string reason) { reasons.push_back(std::move(reason)); });
  ASSERT_TRUE(supervisor_->sendBytes(MessageType::kShutdown, "not json").ok());
  ASSERT_TRUE(runUntil([&] { return !reasons.empty(); }));
  EXPECT_EQ(reasons, std::vector<std::string>{"supervisor sent shutdown with malformed JSON"});
}

TEST_F(WorkerChannelTest, SupervisorHangUpIsReported) {
  open(Role::kUpdater);
  std::vector<std::string> reasons;
  worker_->onClosed([&](std::string reason) { reasons.push_back(std::move(reason)); });
  supervisor_->close();
  supervisor_.reset();
  ASSERT_TRUE(runUntil([&] { return !reasons.empty(); }));
  EXPECT_EQ(reasons, std::vector<std::string>{"supervisor channel closed: peer hung up"});
}

TEST_F(WorkerChannelTest, LogLinesReachTheSupervisorRedactedAndEscaped) {
  open(Role::kTunnel);
  Logger::instance().addSink(std::make_shared<IpcLogSink>(worker_->channel(), Role::kTunnel));
  Logger::instance().registerSecret("SECRETKEYMATERIAL");
  logInfo("tunnel", "handshake with peer completed");
  logWarn("noise", "key SECRETKEYMATERIAL rejected\nforged line");
  ASSERT_TRUE(runUntil([&] { return atSupervisor_.size() == 2; }));
  EXPECT_EQ(receivedLog(0).message, "handshake with peer completed");
  EXPECT_EQ(receivedLog(0).level, LogLevel::kInfo);
  EXPECT_EQ(receivedLog(1).message, "noise: key [redacted] rejected\\nforged line");
  EXPECT_EQ(receivedLog(1).level, LogLevel::kWarn);
}

TEST_F(WorkerChannelTest, LostLogLinesAreCountedAndReported) {
  ChannelLimits tiny;
  tiny.maxQueuedBytes = 0;
  int ends[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends), 0);
  UniqueFd supervisorEnd(ends[1]);
  Result<std::shared_ptr<IpcChannel>> channel = IpcChannel::open(&loop_, UniqueFd(ends[0]), "supervisor", tiny);
  ASSERT_TRUE(channel.ok());
  auto sink = std::make_shared<IpcLogSink>(channel.value(), Role::kBeacons);
  Logger::instance().addSink(sink);

  // Fill the socket with lines the supervisor does not read yet; the overflow is lost and counted.
  const std::string longLine(4000, 'l');
  while (sink->droppedLines() == 0) logInfo("beacons", longLine);
  const uint64_t lost = sink->droppedLines();

  supervisor_ = channel.value();  // reuse the fixture's teardown for the worker end
  Result<std::shared_ptr<IpcChannel>> reader = IpcChannel::open(&loop_, std::move(supervisorEnd), "worker beacons");
  ASSERT_TRUE(reader.ok());
  uint64_t reportedLoss = 0;
  reader.value()->onMessage([&](RawFrame&& frame) {
    Result<InboundMessage> message = checkInbound(Role::kBeacons, WorkerState::kReady, frame);
    ASSERT_TRUE(message.ok()) << message.error();
    const LogPayload& log = std::get<LogPayload>(message->payload);
    const std::string suffix = " log lines were lost because the channel to the supervisor was full or closed";
    if (log.message.size() > suffix.size() && log.message.ends_with(suffix)) {
      EXPECT_EQ(log.level, LogLevel::kWarn);
      reportedLoss = std::stoull(log.message.substr(0, log.message.size() - suffix.size()));
    }
  });
  // While the socket drains, lines that still do not fit are lost too; the report counts them all.
  ASSERT_TRUE(runUntil([&] {
    logInfo("beacons", "after the congestion");
    return reportedLoss > 0;
  }));
  EXPECT_GE(reportedLoss, lost);
  reader.value()->close();
}

}  // namespace
}  // namespace nefia::ipc
