// The hub's event loop on loopback with the agent's real client: idle and dripping connections do not stall an
// enrollment, the total deadline closes them, the per-address bound answers "busy" and is logged (rate-limited),
// garbage costs no request budget, and ten racing enrollments with one token give exactly one success.
#include "operator/hub_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/invite/enroll_errors.h"
#include "common/log.h"
#include "operator/hub_socket.h"
#include "operator/vpn_commands.h"
#include "supervisor/enroll/hub_client.h"
#include "tests/common/loopback_port.h"
#include "tests/operator/fake_wireguard.h"

namespace nefia::hub {
namespace {

using std::chrono::milliseconds;

class CapturedLog final : public LogSink {
 public:
  void write(const LogRecord&, std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  std::size_t count(const std::string& text) {
    std::lock_guard lock(mutex_);
    return std::count_if(lines_.begin(), lines_.end(), [&](const std::string& line) {
      return line.find(text) != std::string::npos;
    });
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

// A TCP connection to the hub from sourceIp (any 127/8 address is local), or -1.
int connectFrom(const std::string& sourceIp, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  ::inet_pton(AF_INET, sourceIp.c_str(), &source.sin_addr);
  sockaddr_in hub{};
  hub.sin_family = AF_INET;
  hub.sin_port = htons(port);
  hub.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&hub), sizeof hub) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the hub closed fd (EOF or reset) within limit.
bool closedByHubWithin(int fd, milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  char buffer[512];
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now()).count();
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) return false;
    if (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) <= 0) return true;
  }
}

std::string randomKey() {
  uint8_t key[32];
  randombytes_buf(key, sizeof key);
  return base64Encode(key, sizeof key);
}

class HubLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-hub-loop-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    files_ = std::make_unique<HubFiles>(directory_);
    ASSERT_TRUE(initHub(*files_, {"nwg0", "10.99.0.1/24", {"127.0.0.1:19820"}, ""}).ok());
    secret_ = files_->loadOrCreateSecret().value();
    const invite::TlsIdentity identity = files_->loadOrCreateIdentity().value();
    pin_ = invite::certificatePemSha256(identity.certificatePem).value();
    context_ = std::move(invite::makeServerContext(identity).value());
    log_ = std::make_shared<CapturedLog>();
    Logger::instance().addSink(log_);
  }
  void TearDown() override {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) ::close(listener_);
    for (const int fd : clients_) ::close(fd);
    Logger::instance().clearSinks();
    std::filesystem::remove_all(directory_);
  }
  void start(HubServerSettings settings) {
    settings_ = settings;
    port_ = nefia::test::freeLoopbackPort();
    Result<int> listening = listenOn("127.0.0.1:" + std::to_string(port_));
    ASSERT_TRUE(listening.ok()) << listening.error();
    listener_ = listening.value();
    service_ = std::make_unique<EnrollmentService>(*files_, secret_, wireguard_);
    loop_ = std::make_unique<HubLoop>(listener_, context_.get(), *service_, settings_);
    thread_ = std::thread([this] { loop_->run(stop_); });
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string invite(const std::string& name) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    return createInvite(*files_, wireguard_, {name, "linux", std::chrono::hours(1), false, false}, now).value();
  }
  enroll::HubExchange enroll(const std::string& token, const std::string& key = randomKey()) {
    Result<int> fd = enroll::connectToHub(address(), std::chrono::seconds(2));
    if (!fd.ok()) return {makeError(fd.error()), true};
    invite::EnrollRequest request;
    request.token = token;
    request.publicKey = key;
    request.listenPort = 51820;
    return enroll::exchangeWithHub(fd.value(), address(), pin_, request, std::chrono::seconds(5));
  }
  int hold(const std::string& sourceIp) {
    const int fd = connectFrom(sourceIp, port_);
    EXPECT_GE(fd, 0) << sourceIp;
    if (fd >= 0) clients_.push_back(fd);
    return fd;
  }

  std::string directory_;
  std::unique_ptr<HubFiles> files_;
  Key32 secret_;
  std::string pin_;
  invite::SslContextPtr context_;
  FakeWireGuard wireguard_;
  std::shared_ptr<CapturedLog> log_;
  HubServerSettings settings_;
  std::unique_ptr<EnrollmentService> service_;
  std::unique_ptr<HubLoop> loop_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int listener_ = -1;
  uint16_t port_ = 0;
  std::vector<int> clients_;
};

TEST_F(HubLoopTest, IdleAndDrippingClientsDoNotStallAnEnrollment) {
  start({});
  for (int i = 0; i < 100; ++i) hold("127.0.1." + std::to_string(i + 1));
  const int dripper = hold("127.0.2.1");
  const unsigned char recordHeader[] = {0x16, 0x03, 0x01, 0x01, 0x00};  // a TLS record of 256 bytes, never complete
  ASSERT_EQ(::send(dripper, recordHeader, sizeof recordHeader, 0), 5);
  const auto start = std::chrono::steady_clock::now();
  const enroll::HubExchange exchange = enroll(invite("db1"));
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  ASSERT_TRUE(exchange.answer.ok()) << exchange.answer.error();
  EXPECT_EQ(exchange.answer->error, "");
  EXPECT_EQ(exchange.answer->address, "10.99.0.2/24");
  EXPECT_LT(took.count(), 2000) << "101 slow clients must not delay the enrollment";
  for (const int fd : clients_) EXPECT_FALSE(closedByHubWithin(fd, milliseconds(0))) << "the hub holds them all";
}

TEST_F(HubLoopTest, TheTotalDeadlineClosesSlowClientsWhateverTheyDo) {
  HubServerSettings settings;
  settings.connections.deadline = milliseconds(400);
  start(settings);
  const int silent = hold("127.0.3.1");
  const int dripper = hold("127.0.3.2");
  const auto start = std::chrono::steady_clock::now();
  const unsigned char recordHeader[] = {0x16, 0x03, 0x01, 0x01, 0x00};
  ASSERT_EQ(::send(dripper, recordHeader, sizeof recordHeader, 0), 5);
  bool closed = false;
  for (int drip = 0; drip < 40 && !closed; ++drip) {  // one byte every 50 ms: progress on every read
    (void)::send(dripper, "\0", 1, MSG_NOSIGNAL);
    closed = closedByHubWithin(dripper, milliseconds(50));
  }
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_TRUE(closed) << "a client that keeps dripping is closed at the deadline";
  EXPECT_GE(took.count(), 300);
  EXPECT_LT(took.count(), 1200);
  EXPECT_TRUE(closedByHubWithin(silent, milliseconds(500)));
  EXPECT_GE(log_->count("INFO hub: closed the connection from 127.0.3.2: the 400 ms connection deadline passed "
                        "during TLS handshake"), 1u);
}

TEST_F(HubLoopTest, TheAddressBoundAnswersBusyAndLogsTheRefusalWithALimit) {
  HubServerSettings settings;
  settings.connections.maxPerAddress = 2;
  start(settings);
  hold("127.0.0.1");
  hold("127.0.0.1");
  std::this_thread::sleep_for(milliseconds(200));  // the loop accepts them
  const enroll::HubExchange exchange = enroll(invite("db1"));
  ASSERT_FALSE(exchange.answer.ok());
  EXPECT_NE(exchange.answer.error().find("the hub at " + address() + " is busy"), std::string::npos)
      << exchange.answer.error();
  EXPECT_TRUE(exchange.retryCanSucceed);
  for (int i = 0; i < 30; ++i) {
    const int fd = connectFrom("127.0.0.1", port_);
    EXPECT_TRUE(closedByHubWithin(fd, milliseconds(2000)));
    ::close(fd);
  }
  stop_.store(true);
  thread_.join();
  EXPECT_EQ(log_->count("INFO hub: refused a connection from 127.0.0.1: 2 connections from this address are open "
                        "(the limit)"), kClientLogLines) << "31 refusals, logged at most 10 per 10 s";
}

TEST_F(HubLoopTest, GarbageConnectionsCostNoRequestBudget) {
  HubServerSettings settings;
  settings.rateLimit.burst = 2;
  settings.rateLimit.refillInterval = std::chrono::hours(1);
  start(settings);
  for (int i = 0; i < 5; ++i) {
    const int fd = connectFrom("127.0.0.1", port_);
    (void)::send(fd, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL);
    EXPECT_TRUE(closedByHubWithin(fd, milliseconds(2000)));
    ::close(fd);
  }
  for (int i = 0; i < 5; ++i) ::close(connectFrom("127.0.0.1", port_));  // connect and hang up
  std::this_thread::sleep_for(milliseconds(200));
  const enroll::HubExchange first = enroll(invite("db1"));
  ASSERT_TRUE(first.answer.ok()) << first.answer.error();
  EXPECT_EQ(first.answer->error, "");
  const enroll::HubExchange second = enroll("eyJub3QiOiJhIHRva2VuIn0.c2ln");
  ASSERT_TRUE(second.answer.ok()) << second.answer.error();
  EXPECT_EQ(second.answer->error, invite::kErrorInvalidSignature) << "real requests use the budget...";
  const enroll::HubExchange third = enroll(invite("db2"));
  ASSERT_TRUE(third.answer.ok()) << third.answer.error();
  EXPECT_EQ(third.answer->error, invite::kErrorRateLimited) << "...and only they do";
}

TEST_F(HubLoopTest, TenRacingEnrollmentsWithOneTokenGiveExactlyOneSuccess) {
  HubServerSettings settings;
  settings.rateLimit.burst = 20;
  start(settings);
  const std::string token = invite("db1");
  std::mutex mutex;
  std::vector<std::string> outcomes;
  std::vector<std::thread> agents;
  for (int i = 0; i < 10; ++i) {
    agents.emplace_back([&] {
      const enroll::HubExchange exchange = enroll(token);
      std::lock_guard lock(mutex);
      outcomes.push_back(!exchange.answer.ok() ? "client error: " + exchange.answer.error()
                         : exchange.answer->error.empty() ? "enrolled" : exchange.answer->error);
    });
  }
  for (std::thread& agent : agents) agent.join();
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "enrolled"), 1);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), std::string(invite::kErrorNonceReused)), 9);
  stop_.store(true);
  thread_.join();
  EXPECT_EQ(wireguard_.peers_.size(), 1u) << "one peer on the interface";
}

}  // namespace
}  // namespace nefia::hub
