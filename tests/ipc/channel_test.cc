// Tests for ipc/channel: frames and fds travel, rejected fds do not leak, a full socket queues frames in order
// up to a bound, hang-ups are reported, and every handle is closed at the end (uv_loop_close() == 0).
#include "ipc/channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "ipc/inbound_policy.h"
#include "tests/ipc/test_support.h"

namespace nefia::ipc {
namespace {

class ChannelTest : public testing::LoopTest {
 protected:
  std::shared_ptr<IpcChannel> openChannel(UniqueFd fd, std::string peer, ChannelLimits limits = {}) {
    Result<std::shared_ptr<IpcChannel>> channel = IpcChannel::open(&loop_, std::move(fd), std::move(peer), limits);
    EXPECT_TRUE(channel.ok()) << channel.error();
    return channel.ok() ? channel.value() : nullptr;
  }

  // A supervisor end and a worker end, each with its received frames collected.
  void openPair(ChannelLimits limits = {}) {
    Result<std::pair<UniqueFd, UniqueFd>> pair = makeChannelPair();
    ASSERT_TRUE(pair.ok()) << pair.error();
    supervisor_ = openChannel(std::move(pair->first), "worker tunnel", limits);
    worker_ = openChannel(std::move(pair->second), "supervisor", limits);
    ASSERT_TRUE(supervisor_ && worker_);
    supervisor_->onMessage([this](RawFrame&& frame) { atSupervisor_.push_back(std::move(frame)); });
    worker_->onMessage([this](RawFrame&& frame) { atWorker_.push_back(std::move(frame)); });
  }

  void closeAll() {
    if (supervisor_) supervisor_->close();
    if (worker_) worker_->close();
    supervisor_.reset();
    worker_.reset();
  }

  void TearDown() override {
    closeAll();
    atSupervisor_.clear();
    atWorker_.clear();
    LoopTest::TearDown();
  }

  std::shared_ptr<IpcChannel> supervisor_;
  std::shared_ptr<IpcChannel> worker_;
  std::vector<RawFrame> atSupervisor_;
  std::vector<RawFrame> atWorker_;
};

TEST_F(ChannelTest, JsonFrameArrivesAndPassesThePolicy) {
  openPair();
  ASSERT_TRUE(worker_->send(MessageType::kLog, toJson(LogPayload{LogLevel::kInfo, "hello"})).ok());
  ASSERT_TRUE(runUntil([&] { return atSupervisor_.size() == 1; }));
  Result<InboundMessage> message = checkInbound(Role::kTunnel, WorkerState::kReady, atSupervisor_[0]);
  ASSERT_TRUE(message.ok()) << message.error();
  EXPECT_EQ(std::get<LogPayload>(message->payload).message, "hello");
}

TEST_F(ChannelTest, PassedPipeFdWritesIntoTheOriginalPipe) {
  openPair();
  int ends[2];
  ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
  UniqueFd readEnd(ends[0]);
  {
    UniqueFd writeEnd(ends[1]);
    const int fds[] = {writeEnd.get()};
    ASSERT_TRUE(supervisor_->send(MessageType::kHandOverFd, toJson(HandOverFdPayload{HandedFd::kPacketLink}), fds).ok());
  }  // the sender may close its copy right after send()
  ASSERT_TRUE(runUntil([&] { return atWorker_.size() == 1; }));
  ASSERT_EQ(atWorker_[0].fds.size(), 1u);
  const int received = atWorker_[0].fds[0].get();
  EXPECT_NE(fcntl(received, F_GETFD) & FD_CLOEXEC, 0) << "received fds must be close-on-exec";
  ASSERT_EQ(write(received, "ping", 4), 4);
  char buffer[8] = {};
  ASSERT_EQ(read(readEnd.get(), buffer, sizeof buffer), 4);
  EXPECT_STREQ(buffer, "ping");
}

TEST_F(ChannelTest, RejectedFrameLeaksNoFd) {
  openPair();
  const int before = testing::countOpenFds();
  int ends[2];
  ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
  for (int round = 0; round < 3; ++round) {
    const int fds[] = {ends[1]};
    ASSERT_TRUE(worker_->send(MessageType::kLog, toJson(LogPayload{LogLevel::kInfo, "with fd"}), fds).ok());
  }
  close(ends[0]);
  close(ends[1]);
  ASSERT_TRUE(runUntil([&] { return atSupervisor_.size() == 3; }));
  EXPECT_EQ(testing::countOpenFds(), before + 3) << "each received frame owns its fd until it is dropped";
  for (const RawFrame& frame : atSupervisor_) {
    EXPECT_FALSE(checkInbound(Role::kTunnel, WorkerState::kReady, frame).ok());
  }
  atSupervisor_.clear();
  EXPECT_EQ(testing::countOpenFds(), before);
}

TEST_F(ChannelTest, TooManyFdsFromAHostilePeerAreRejectedAndClosed) {
  int ends[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends), 0);
  UniqueFd hostile(ends[1]);
  supervisor_ = openChannel(UniqueFd(ends[0]), "worker forwarder");
  supervisor_->onMessage([this](RawFrame&& frame) { atSupervisor_.push_back(std::move(frame)); });
  const int before = testing::countOpenFds();

  // Eight fds in one datagram: more than a frame may carry, and more than the receive buffer holds.
  Result<std::vector<uint8_t>> bytes = encodeFrame(static_cast<uint8_t>(MessageType::kLog), "{}");
  ASSERT_TRUE(bytes.ok());
  int fdsToSend[8];
  for (int& fd : fdsToSend) fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  iovec vector{bytes->data(), bytes->size()};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof fdsToSend)] = {};
  msghdr header{};
  header.msg_iov = &vector;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  cmsghdr* message = CMSG_FIRSTHDR(&header);
  message->cmsg_level = SOL_SOCKET;
  message->cmsg_type = SCM_RIGHTS;
  message->cmsg_len = CMSG_LEN(sizeof fdsToSend);
  std::memcpy(CMSG_DATA(message), fdsToSend, sizeof fdsToSend);
  ASSERT_GT(sendmsg(hostile.get(), &header, 0), 0);
  for (int fd : fdsToSend) close(fd);

  ASSERT_TRUE(runUntil([&] { return atSupervisor_.size() == 1; }));
  EXPECT_TRUE(atSupervisor_[0].controlTruncated);
  Result<InboundMessage> checked = checkInbound(Role::kForwarder, WorkerState::kReady, atSupervisor_[0]);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error(), "worker forwarder sent a frame with more file descriptors or ancillary data than a frame "
                             "may carry (at most 1 fd); restarting it");
  atSupervisor_.clear();
  EXPECT_EQ(testing::countOpenFds(), before);
}

TEST_F(ChannelTest, OversizedDatagramIsFlaggedTruncated) {
  int ends[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends), 0);
  UniqueFd hostile(ends[1]);
  supervisor_ = openChannel(UniqueFd(ends[0]), "worker beacons");
  supervisor_->onMessage([this](RawFrame&& frame) { atSupervisor_.push_back(std::move(frame)); });
  const std::vector<uint8_t> huge(kMaxFrameBytes + 100, 'x');
  ASSERT_EQ(send(hostile.get(), huge.data(), huge.size(), 0), static_cast<ssize_t>(huge.size()));
  ASSERT_TRUE(runUntil([&] { return atSupervisor_.size() == 1; }));
  EXPECT_EQ(checkInbound(Role::kBeacons, WorkerState::kReady, atSupervisor_[0]).error(),
            "worker beacons sent a frame larger than the 65536-byte IPC maximum; restarting it");
}

TEST_F(ChannelTest, FullSocketQueuesInOrderUpToTheBound) {
  ChannelLimits limits;
  limits.maxQueuedBytes = 4 * kMaxFrameBytes;
  int ends[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends), 0);
  UniqueFd notReadingYet(ends[1]);
  worker_ = openChannel(UniqueFd(ends[0]), "supervisor", limits);

  // Large frames, each numbered, until the socket is full and the queue bound is reached.
  const auto frameNumber = [](int number) {
    std::string payload = "{\"n\":" + std::to_string(number) + ",\"fill\":\"";
    payload += std::string(kMaxPayloadBytes - payload.size() - 2, 'f');
    return payload + "\"}";
  };
  int sent = 0;
  Status status;
  while ((status = worker_->sendBytes(MessageType::kStatusReport, frameNumber(sent))).ok()) {
    ++sent;
    ASSERT_LT(sent, 1000) << "the socket never filled up";
  }
  EXPECT_NE(status.error().find("cannot send status_report to supervisor: "), std::string::npos) << status.error();
  EXPECT_NE(status.error().find("the peer is not reading"), std::string::npos) << status.error();
  EXPECT_GT(worker_->queuedFrames(), 0u);
  EXPECT_LE(worker_->queuedBytes(), limits.maxQueuedBytes);

  // Once the peer reads, the queue drains and every frame arrives exactly once, in order.
  supervisor_ = openChannel(std::move(notReadingYet), "worker tunnel");
  std::vector<int> numbers;
  supervisor_->onMessage([&](RawFrame&& frame) {
    Result<FrameView> view = decodeFrame(frame);
    ASSERT_TRUE(view.ok()) << view.error();
    numbers.push_back(nlohmann::json::parse(view->payload)["n"].get<int>());
  });
  ASSERT_TRUE(runUntil([&] { return static_cast<int>(numbers.size()) == sent; }));
  EXPECT_EQ(worker_->queuedFrames(), 0u);
  for (int index = 0; index < sent; ++index) EXPECT_EQ(numbers[index], index);
}

TEST_F(ChannelTest, QueuedFdsAreDuplicatedSoTheCallerMayCloseTheirs) {
  ChannelLimits limits;
  int ends[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends), 0);
  UniqueFd notReadingYet(ends[1]);
  supervisor_ = openChannel(UniqueFd(ends[0]), "worker forwarder", limits);
  const std::string filler(kMaxPayloadBytes, ' ');
  while (supervisor_->queuedFrames() == 0) {
    ASSERT_TRUE(supervisor_->sendBytes(MessageType::kConfigUpdate, filler).ok());
  }
  int pipeEnds[2];
  ASSERT_EQ(pipe2(pipeEnds, O_CLOEXEC), 0);
  UniqueFd readEnd(pipeEnds[0]);
  const int fds[] = {pipeEnds[1]};
  ASSERT_TRUE(supervisor_->send(MessageType::kConnectResult, toJson(ConnectResultPayload{1, true, ""}), fds).ok());
  close(pipeEnds[1]);

  worker_ = openChannel(std::move(notReadingYet), "supervisor");
  std::vector<UniqueFd> received;
  worker_->onMessage([&](RawFrame&& frame) {
    for (UniqueFd& fd : frame.fds) received.push_back(std::move(fd));
  });
  ASSERT_TRUE(runUntil([&] { return received.size() == 1; }));
  ASSERT_EQ(write(received[0].get(), "ok", 2), 2);
  char buffer[2];
  EXPECT_EQ(read(readEnd.get(), buffer, 2), 2);
}

TEST_F(ChannelTest, PeerHangUpIsReportedOnce) {
  openPair();
  std::vector<std::string> reasons;
  supervisor_->onClosed([&](std::string reason) { reasons.push_back(std::move(reason)); });
  ASSERT_TRUE(worker_->send(MessageType::kLog, toJson(LogPayload{LogLevel::kInfo, "last words"})).ok());
  worker_->close();
  worker_.reset();
  ASSERT_TRUE(runUntil([&] { return !reasons.empty(); }));
  ASSERT_EQ(atSupervisor_.size(), 1u) << "frames sent before the hang-up are still delivered";
  EXPECT_EQ(reasons, std::vector<std::string>{"peer hung up"});
  EXPECT_FALSE(supervisor_->isOpen());
  EXPECT_FALSE(supervisor_->send(MessageType::kShutdown, toJson(ShutdownPayload{0})).ok());
}

TEST_F(ChannelTest, OwnerMayCloseAndDropTheChannelFromItsHandler) {
  openPair();
  bool closed = false;
  supervisor_->onMessage([&](RawFrame&&) {
    supervisor_->close([&] { closed = true; });
    supervisor_.reset();
  });
  ASSERT_TRUE(worker_->send(MessageType::kLog, toJson(LogPayload{LogLevel::kInfo, "one"})).ok());
  ASSERT_TRUE(worker_->send(MessageType::kLog, toJson(LogPayload{LogLevel::kInfo, "two"})).ok());
  ASSERT_TRUE(runUntil([&] { return closed; }));
}

TEST_F(ChannelTest, SendRefusesTooManyFdsAndOversizedPayloads) {
  openPair();
  const int fds[] = {0, 1};
  EXPECT_EQ(supervisor_->sendBytes(MessageType::kHandOverFd, "{}", fds).error(),
            "cannot send hand_over_fd to worker tunnel: 2 fds given, a frame carries at most 1");
  EXPECT_EQ(supervisor_->sendBytes(MessageType::kConfigure, std::string(kMaxFrameBytes, 'x')).error(),
            "cannot send configure to worker tunnel: a frame of 65541 bytes, above the 65536-byte IPC maximum");
}

}  // namespace
}  // namespace nefia::ipc
