// Integration tests (root, label integration): the forwarder against the real Linux TCP stack in a private
// network namespace. Kernel sockets connect to 10.99.0.2:22 through a TUN device whose packets reach lwIP
// over a SOCK_SEQPACKET pair; a direct broker connects to a local server standing in for sshd.
// Every wait is bounded; nothing leaves the namespace.
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "common/log.h"
#include "common/uv_handle.h"
#include "tests/workers/forwarder/loop_thread.h"
#include "tests/workers/forwarder/namespace_harness.h"
#include "workers/forwarder/forwarder.h"

namespace nefia::forwarder {
namespace {

using namespace std::chrono_literals;
using testing::closeWithReset;
using testing::connectErrno;
using testing::connectToAgent;
using testing::DirectBroker;
using testing::LocalServer;
using testing::LoopThread;
using testing::NamespaceEnvironment;
using testing::randomBytes;
using testing::readExactly;
using testing::readToEnd;
using testing::sendAll;
using testing::waitForReadError;

class CapturingSink : public LogSink {
 public:
  void write(const LogRecord&, std::string_view line) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.emplace_back(line);
  }
  int count(std::string_view needle) {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(std::count_if(lines_.begin(), lines_.end(),
                                          [&](const std::string& line) { return line.find(needle) != std::string::npos; }));
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

class ForwarderKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto environment = NamespaceEnvironment::get();
    ASSERT_TRUE(environment.ok()) << environment.error();
    environment_ = environment.value();
    sink_ = std::make_shared<CapturingSink>();
    Logger::instance().addSink(sink_);
    if (std::getenv("NEFIA_TEST_LOG") != nullptr) {
      Logger::instance().setLevel(LogLevel::kDebug);
      Logger::instance().addSink(makeStderrSink());
    }
    server_ = std::make_unique<LocalServer>();
    broker_ = std::make_unique<DirectBroker>(server_->port());
    const int linkFd = environment_->newLinkForForwarder();
    ASSERT_GE(linkFd, 0);
    std::string error = loop_.call([&]() -> std::string {
      auto created = Forwarder::create(loop_.loop(), NetstackConfig{testing::kAgentCidr, testing::kAgentCidr6, kDefaultMtu}, linkFd, *broker_);
      if (!created) return created.error();
      forwarder_ = std::move(created).value();
      return "";
    });
    ASSERT_EQ(error, "");
  }

  void TearDown() override {
    if (forwarder_) {
      std::promise<void> closed;
      loop_.call([&] { forwarder_->close([&] { closed.set_value(); }); });
      ASSERT_EQ(closed.get_future().wait_for(10s), std::future_status::ready);
      loop_.call([&] { forwarder_.reset(); });
    }
    EXPECT_EQ(loop_.stop(), 0) << "a uv handle was left open";
    Logger::instance().clearSinks();
  }

  ForwarderStats stats() {
    return loop_.call([&] { return forwarder_->stats(); });
  }

  template <typename Predicate>
  bool waitForStats(Predicate predicate, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate(stats())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  NamespaceEnvironment* environment_ = nullptr;
  std::shared_ptr<CapturingSink> sink_;
  std::unique_ptr<LocalServer> server_;
  std::unique_ptr<DirectBroker> broker_;
  LoopThread loop_;
  std::unique_ptr<Forwarder> forwarder_;
};

// Echoes everything until EOF, then half-closes: what a well-behaved peer does.
std::thread echoUntilEof(int fd) {
  return std::thread([fd] {
    std::vector<uint8_t> buffer(256 * 1024);
    while (true) {
      const ssize_t received = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (received <= 0) break;
      if (!sendAll(fd, buffer.data(), static_cast<std::size_t>(received))) break;
    }
    ::shutdown(fd, SHUT_WR);
  });
}

// Connects and reports how the forwarder ended the connection: ECONNRESET whether the reset won the race
// with connect() returning or arrived on the first read.
int errorSeenByNewClient() {
  int error = 0;
  const int client = testing::connectToAgent();
  if (client < 0) return errno;
  error = waitForReadError(client, 5s);
  ::close(client);
  return error;
}

TEST_F(ForwarderKernelTest, AnswersPingOnTheVpnAddress) {
  const int raw = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  ASSERT_GE(raw, 0) << std::strerror(errno);
  uint8_t request[64] = {};
  request[0] = ICMP_ECHO;
  request[4] = 0x12;
  request[5] = 0x34;  // identifier
  request[7] = 7;     // sequence
  for (int i = 8; i < 64; ++i) request[i] = static_cast<uint8_t>(i);
  uint32_t sum = 0;
  for (int i = 0; i < 64; i += 2) sum += (request[i] << 8) | request[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const uint16_t checksum = htons(static_cast<uint16_t>(~sum));
  std::memcpy(&request[2], &checksum, 2);
  sockaddr_in agent{};
  agent.sin_family = AF_INET;
  inet_pton(AF_INET, testing::kAgentAddress, &agent.sin_addr);
  ASSERT_EQ(::sendto(raw, request, sizeof request, 0, reinterpret_cast<sockaddr*>(&agent), sizeof agent), 64);

  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    pollfd ready{raw, POLLIN, 0};
    if (::poll(&ready, 1, 200) <= 0) continue;
    uint8_t reply[256];
    const ssize_t length = ::recv(raw, reply, sizeof reply, 0);
    if (length < 20 + 64) continue;
    const uint8_t* icmp = reply + (reply[0] & 0x0f) * 4;
    if (icmp[0] != ICMP_ECHOREPLY || icmp[4] != 0x12 || icmp[5] != 0x34 || icmp[7] != 7) continue;
    EXPECT_EQ(std::memcmp(icmp + 8, request + 8, 56), 0);
    answered = true;
  }
  ::close(raw);
  EXPECT_TRUE(answered) << "no ICMP echo reply from " << testing::kAgentAddress;
}

// Counts loop iterations (wake-ups) while the test thread leaves the loop alone.
class WakeupCounter {
 public:
  explicit WakeupCounter(LoopThread& loop) : loop_(loop) {
    loop_.call([this] {
      prepare_.init(uv_prepare_init, loop_.loop());
      prepare_.get()->data = this;
      uv_prepare_start(prepare_.get(), [](uv_prepare_t* handle) { ++static_cast<WakeupCounter*>(handle->data)->count_; });
      uv_unref(prepare_.asHandle());
    });
  }
  ~WakeupCounter() {
    loop_.call([this] { prepare_.close(); });
  }
  int countOver(std::chrono::milliseconds period) {
    const int before = count_.load();
    std::this_thread::sleep_for(period);
    return count_.load() - before;
  }

 private:
  LoopThread& loop_;
  UvHandle<uv_prepare_t> prepare_;
  std::atomic<int> count_{0};
};

TEST_F(ForwarderKernelTest, IdleForwarderDoesNotWakeItsLoop) {
  WakeupCounter counter(loop_);
  std::this_thread::sleep_for(300ms);  // let the tail of start-up settle
  EXPECT_LE(counter.countOver(2s), 1) << "an idle forwarder must not poll";
  // An open but silent connection runs lwIP's 10 ms TCP timer (lwipopts.h says why), nothing more.
  const int client = connectToAgent();
  ASSERT_GE(client, 0);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  std::this_thread::sleep_for(300ms);
  const int withConnection = counter.countOver(2s);
  EXPECT_GE(withConnection, 100);
  EXPECT_LE(withConnection, 230);
  ::close(client);
  ::close(server);
}

TEST_F(ForwarderKernelTest, RelaysSeveralMebibytesBothWaysIntact) {
  const int client = connectToAgent();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  std::thread echo = echoUntilEof(server);
  const std::vector<uint8_t> sent = randomBytes(8 * 1024 * 1024, 1);
  std::thread writer([&] {
    EXPECT_TRUE(sendAll(client, sent.data(), sent.size()));
    ::shutdown(client, SHUT_WR);
  });
  bool ok = false;
  const std::vector<uint8_t> echoed = readToEnd(client, ok);
  writer.join();
  echo.join();
  EXPECT_TRUE(ok) << "read failed: " << std::strerror(errno);
  ASSERT_EQ(echoed.size(), sent.size());
  EXPECT_TRUE(echoed == sent) << "bytes changed on the way";
  ::close(client);
  ::close(server);
  EXPECT_TRUE(waitForStats([](const ForwarderStats& s) { return s.activeConnections == 0; }));
}

TEST_F(ForwarderKernelTest, RelaysOverIpv6) {
  const int client = testing::connectToAgentIpv6();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  std::thread echo = echoUntilEof(server);
  const std::vector<uint8_t> sent = randomBytes(2 * 1024 * 1024, 4);
  std::thread writer([&] {
    EXPECT_TRUE(sendAll(client, sent.data(), sent.size()));
    ::shutdown(client, SHUT_WR);
  });
  bool ok = false;
  const std::vector<uint8_t> echoed = readToEnd(client, ok);
  writer.join();
  echo.join();
  EXPECT_TRUE(ok);
  EXPECT_TRUE(echoed == sent);
  ::close(client);
  ::close(server);
}

TEST_F(ForwarderKernelTest, ServerHalfCloseReachesClientWhileClientKeepsSending) {
  const int client = connectToAgent();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  const std::string banner = "SSH-2.0-test\r\n";
  ASSERT_TRUE(sendAll(server, reinterpret_cast<const uint8_t*>(banner.data()), banner.size()));
  ::shutdown(server, SHUT_WR);
  bool ok = false;
  const std::vector<uint8_t> received = readToEnd(client, ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(std::string(received.begin(), received.end()), banner);
  // The other direction is still open.
  const std::vector<uint8_t> late = randomBytes(300 * 1024, 2);
  std::thread writer([&] {
    EXPECT_TRUE(sendAll(client, late.data(), late.size()));
    ::shutdown(client, SHUT_WR);
  });
  const std::vector<uint8_t> atServer = readToEnd(server, ok);
  writer.join();
  EXPECT_TRUE(ok);
  EXPECT_TRUE(atServer == late);
  ::close(client);
  ::close(server);
  EXPECT_TRUE(waitForStats([](const ForwarderStats& s) { return s.activeConnections == 0; }));
}

TEST_F(ForwarderKernelTest, ClientResetReachesServer) {
  const int client = connectToAgent();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  closeWithReset(client);
  EXPECT_EQ(waitForReadError(server, 5s), ECONNRESET);
  ::close(server);
  EXPECT_TRUE(waitForStats([](const ForwarderStats& s) { return s.activeConnections == 0; }));
}

TEST_F(ForwarderKernelTest, ServerResetReachesClient) {
  const int client = connectToAgent();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  closeWithReset(server);
  EXPECT_EQ(waitForReadError(client, 5s), ECONNRESET);
  ::close(client);
  EXPECT_TRUE(waitForStats([](const ForwarderStats& s) { return s.activeConnections == 0; }));
}

TEST_F(ForwarderKernelTest, HundredConnectionsWorkAndTheNextIsReset) {
  std::vector<int> clients;
  std::vector<int> servers;
  for (std::size_t i = 0; i < kMaxAgentConnections; ++i) {
    const int client = connectToAgent();
    ASSERT_GE(client, 0) << "connection " << i;
    const int server = server_->acceptOne();
    ASSERT_GE(server, 0) << "connection " << i;
    clients.push_back(client);
    servers.push_back(server);
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const uint8_t byte = static_cast<uint8_t>(i);
    uint8_t got = 0;
    ASSERT_TRUE(sendAll(clients[i], &byte, 1));
    ASSERT_TRUE(readExactly(servers[i], &got, 1));
    EXPECT_EQ(got, byte);
  }
  EXPECT_EQ(stats().activeConnections, kMaxAgentConnections);

  EXPECT_EQ(errorSeenByNewClient(), ECONNRESET);
  EXPECT_EQ(stats().refusedConnections, 1u);
  EXPECT_EQ(sink_->count("refused connection from 10.99.0.1:"), 1);

  // Capacity comes back when one ends.
  ::close(clients.back());
  ::close(servers.back());
  clients.pop_back();
  servers.pop_back();
  ASSERT_TRUE(waitForStats([](const ForwarderStats& s) { return s.activeConnections == kMaxAgentConnections - 1; }));
  const int again = connectToAgent();
  ASSERT_GE(again, 0);
  const int againServer = server_->acceptOne();
  ASSERT_GE(againServer, 0);
  const uint8_t byte = 0x5a;
  uint8_t got = 0;
  ASSERT_TRUE(sendAll(againServer, &byte, 1));
  ASSERT_TRUE(readExactly(again, &got, 1));
  EXPECT_EQ(got, byte);
  ::close(again);
  ::close(againServer);
  for (int fd : clients) ::close(fd);
  for (int fd : servers) ::close(fd);
  EXPECT_TRUE(waitForStats([](const ForwarderStats& s) { return s.activeConnections == 0; }));
}

TEST_F(ForwarderKernelTest, DrainWaitsForActiveConnectionsThenResetsTheRest) {
  const int finishing = connectToAgent();
  ASSERT_GE(finishing, 0);
  const int finishingServer = server_->acceptOne();
  ASSERT_GE(finishingServer, 0);
  const int lingering = connectToAgent();
  ASSERT_GE(lingering, 0);
  const int lingeringServer = server_->acceptOne();
  ASSERT_GE(lingeringServer, 0);

  std::promise<void> drained;
  const auto started = std::chrono::steady_clock::now();
  loop_.call([&] { forwarder_->drain(800ms, [&] { drained.set_value(); }); });
  auto drainedFuture = drained.get_future();
  EXPECT_EQ(connectErrno(), ECONNREFUSED) << "new connections must be refused while draining";

  // One session ends on its own within the timeout and loses nothing.
  const std::string last = "bye";
  ASSERT_TRUE(sendAll(finishingServer, reinterpret_cast<const uint8_t*>(last.data()), last.size()));
  ::shutdown(finishingServer, SHUT_WR);
  ::shutdown(finishing, SHUT_WR);
  bool ok = false;
  const std::vector<uint8_t> tail = readToEnd(finishing, ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(std::string(tail.begin(), tail.end()), last);
  EXPECT_EQ(drainedFuture.wait_for(100ms), std::future_status::timeout) << "drain ended with a session open";

  // The other is reset once the timeout passes.
  EXPECT_EQ(waitForReadError(lingering, 5s), ECONNRESET);
  EXPECT_EQ(waitForReadError(lingeringServer, 5s), ECONNRESET);
  ASSERT_EQ(drainedFuture.wait_for(5s), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 750ms);
  EXPECT_EQ(stats().activeConnections, 0u);
  for (int fd : {finishing, finishingServer, lingering, lingeringServer}) ::close(fd);
}

TEST_F(ForwarderKernelTest, DrainEndsEarlyWhenTheLastConnectionCloses) {
  const int client = connectToAgent();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  std::promise<void> drained;
  loop_.call([&] { forwarder_->drain(kDrainTimeout, [&] { drained.set_value(); }); });
  ::close(client);
  ::close(server);
  EXPECT_EQ(drained.get_future().wait_for(5s), std::future_status::ready);
}

TEST_F(ForwarderKernelTest, TransferSurvivesTunnelWorkerRestart) {
  const int client = connectToAgent();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  const std::vector<uint8_t> sent = randomBytes(32 * 1024 * 1024, 3);
  std::atomic<std::size_t> progress{0};
  std::thread writer([&] {
    for (std::size_t offset = 0; offset < sent.size(); offset += 64 * 1024) {
      if (!sendAll(client, sent.data() + offset, std::min<std::size_t>(64 * 1024, sent.size() - offset))) {
        ADD_FAILURE() << "send failed at " << offset << ": " << std::strerror(errno);
        return;
      }
      progress = offset;
    }
    ::shutdown(client, SHUT_WR);
  });
  std::vector<uint8_t> received;
  std::thread reader([&] {
    bool ok = false;
    received = readToEnd(server, ok);
    EXPECT_TRUE(ok) << std::strerror(errno);
  });
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (progress < sent.size() / 4 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_LT(progress.load(), sent.size()) << "transfer finished before the restart could happen";
  // The tunnel worker dies and a new one gets a fresh socketpair.
  const int newLink = environment_->newLinkForForwarder();
  loop_.call([&] { forwarder_->replacePacketFd(newLink); });
  writer.join();
  reader.join();
  ASSERT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent);
  ::close(client);
  ::close(server);
}

// Reachability itself (state and its log lines) is the supervisor's: tests/supervisor/core/ssh_reachability_test.cc.
TEST_F(ForwarderKernelTest, UnreachableSshServerResetsUntilItAnswers) {
  broker_->failNext = 3;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(errorSeenByNewClient(), ECONNRESET);

  const int client = connectToAgent();
  ASSERT_GE(client, 0) << std::strerror(errno);
  const int server = server_->acceptOne();
  ASSERT_GE(server, 0);
  EXPECT_TRUE(waitForStats([](const ForwarderStats& s) { return s.activeConnections == 1; }));
  ::close(client);
  ::close(server);
}

}  // namespace
}  // namespace nefia::forwarder

// The namespace must be entered before any thread exists: a thread keeps the namespace it was born in,
// and the fixture's loop thread (where the broker connects) must be inside the private one.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!GTEST_FLAG_GET(list_tests)) (void)nefia::forwarder::testing::NamespaceEnvironment::get();
  return RUN_ALL_TESTS();
}
