// Tests for ipc/inbound_policy: each reason the supervisor kills a worker, with the exact log line, and the
// typed messages it accepts.
#include "ipc/inbound_policy.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/ipc/test_support.h"

namespace nefia::ipc {
namespace {

using testing::rawFrame;

const nlohmann::json kReady = {{"protocol_version", 1}, {"pid", 1234}, {"sandbox", {{"seccomp", true}, {"landlock_abi", 3}, {"worker_user", "nobody"}}}};
const nlohmann::json kLog = {{"level", "info"}, {"message", "listening"}};

std::string rejection(Role sender, WorkerState state, const RawFrame& frame) {
  Result<InboundMessage> message = checkInbound(sender, state, frame);
  return message.ok() ? std::string("accepted") : message.error();
}

TEST(InboundPolicyTest, AcceptsReadyWhileStartingWithTypedPayload) {
  Result<InboundMessage> message = checkInbound(Role::kTunnel, WorkerState::kStarting, rawFrame(MessageType::kReady, kReady));
  ASSERT_TRUE(message.ok()) << message.error();
  EXPECT_EQ(message->type, MessageType::kReady);
  EXPECT_EQ(std::get<ReadyPayload>(message->payload).pid, 1234u);
  EXPECT_EQ(std::get<ReadyPayload>(message->payload).sandbox.workerUser, "nobody");
}

TEST(InboundPolicyTest, AcceptsEachWorkerMessageWhereTheTableAllowsIt) {
  EXPECT_EQ(rejection(Role::kBeacons, WorkerState::kStarting, rawFrame(MessageType::kLog, kLog)), "accepted");
  EXPECT_EQ(rejection(Role::kUpdater, WorkerState::kStopping, rawFrame(MessageType::kLog, kLog)), "accepted");
  EXPECT_EQ(rejection(Role::kForwarder, WorkerState::kReady,
                      rawFrame(MessageType::kConnectRequest, nlohmann::json{{"request_id", 5}})),
            "accepted");
  EXPECT_EQ(rejection(Role::kForwarder, WorkerState::kReady,
                      rawFrame(MessageType::kStatusReport,
                               nlohmann::json{{"request_id", 5}, {"active_connections", 2}, {"refused_connections", 0}})),
            "accepted");
  EXPECT_EQ(rejection(Role::kUpdater, WorkerState::kStopping,
                      rawFrame(MessageType::kShutdownComplete, nlohmann::json::object())),
            "accepted");
}

TEST(InboundPolicyTest, RejectsTheBriefsExampleWithTheBriefsLine) {
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady,
                      rawFrame(MessageType::kConnectRequest, nlohmann::json{{"request_id", 1}})),
            "worker tunnel sent connect_request, which only the forwarder may send; restarting it");
}

TEST(InboundPolicyTest, RejectsUnknownType) {
  EXPECT_EQ(rejection(Role::kBeacons, WorkerState::kReady, rawFrame(200, "{}")),
            "worker beacons sent unknown message type 200; restarting it");
}

TEST(InboundPolicyTest, RejectsSupervisorOnlyMessages) {
  EXPECT_EQ(rejection(Role::kUpdater, WorkerState::kReady, rawFrame(MessageType::kConfigure, nlohmann::json::object())),
            "worker updater sent configure, which only the supervisor may send; restarting it");
}

TEST(InboundPolicyTest, RejectsMessagesNotAcceptedInTheWorkersState) {
  EXPECT_EQ(rejection(Role::kForwarder, WorkerState::kStarting,
                      rawFrame(MessageType::kConnectRequest, nlohmann::json{{"request_id", 1}})),
            "worker forwarder sent connect_request before it reported ready (only ready and log are accepted until "
            "then); restarting it");
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady, rawFrame(MessageType::kReady, kReady)),
            "worker tunnel sent ready while ready (accepted only while starting or stopping); restarting it");
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady,
                      rawFrame(MessageType::kShutdownComplete, nlohmann::json::object())),
            "worker tunnel sent shutdown_complete while ready (accepted only while stopping); restarting it");
}

TEST(InboundPolicyTest, RejectsBadFraming) {
  RawFrame shortFrame;
  shortFrame.bytes = {9, 0};
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady, shortFrame),
            "worker tunnel sent a truncated frame (2 bytes, shorter than the 5-byte header); restarting it");

  RawFrame lying = rawFrame(MessageType::kLog, kLog);
  lying.bytes[0] = static_cast<uint8_t>(lying.bytes[0] + 1);
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady, lying).find("worker tunnel sent a truncated frame"), 0u);

  RawFrame oversized = rawFrame(MessageType::kLog, kLog);
  oversized.truncated = true;
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady, oversized),
            "worker tunnel sent a frame larger than the 65536-byte IPC maximum; restarting it");
}

TEST(InboundPolicyTest, RejectsFdsWhereNoneAreAllowedAndClosesThem) {
  int ends[2];
  ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
  const int readEnd = ends[0];
  {
    RawFrame frame = rawFrame(MessageType::kLog, kLog);
    frame.fds.emplace_back(ends[1]);
    EXPECT_EQ(rejection(Role::kBeacons, WorkerState::kReady, frame),
              "worker beacons sent log with 1 file descriptor attached, which log must not carry any; restarting it");
  }
  // The write end was owned by the rejected frame: with it closed, the read end sees end-of-file.
  char byte = 0;
  EXPECT_EQ(read(readEnd, &byte, 1), 0);
  close(readEnd);
}

TEST(InboundPolicyTest, RejectsMalformedJsonAndSchemaViolations) {
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady, rawFrame(static_cast<uint8_t>(MessageType::kLog), "{\"level\"")),
            "worker tunnel sent log with malformed JSON; restarting it");
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady, rawFrame(static_cast<uint8_t>(MessageType::kLog), "[]")),
            "worker tunnel sent log with JSON that is not an object; restarting it");
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady,
                      rawFrame(MessageType::kLog, nlohmann::json{{"level", "loud"}, {"message", "x"}})),
            "worker tunnel sent log with an invalid payload: field \"level\" must be one of debug, info, warn, error; "
            "restarting it");
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady,
                      rawFrame(MessageType::kLog, nlohmann::json{{"level", "info"}, {"message", std::string(8193, 'a')}})),
            "worker tunnel sent log with an invalid payload: field \"message\" must be at most 8192 bytes long; "
            "restarting it");
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kStarting,
                      rawFrame(MessageType::kReady, nlohmann::json{{"protocol_version", 1}, {"pid", 1}})),
            "worker tunnel sent ready with an invalid payload: field \"sandbox\" must be an object; restarting it");
  EXPECT_EQ(rejection(Role::kTunnel, WorkerState::kReady,
                      rawFrame(MessageType::kStatusReport, nlohmann::json{{"request_id", 1}})),
            "worker tunnel sent status_report with an invalid payload: field \"peers\" must be an array; restarting it");
}

TEST(InboundPolicyTest, ErrorsNeverEchoPayloadText) {
  const std::string secretLooking = "AAAAsecretAAAA";
  const std::string line = rejection(Role::kTunnel, WorkerState::kReady,
                                     rawFrame(MessageType::kLog, nlohmann::json{{"level", secretLooking}, {"message", "x"}}));
  EXPECT_EQ(line.find(secretLooking), std::string::npos) << line;
}

}  // namespace
}  // namespace nefia::ipc
