// Tests for the Supervisor with the fake spawner playing all four workers: configuration after ready, the
// packet link, the connection broker, a hostile worker restarted with back-off, and the shutdown drain order.
#include "supervisor/core/supervisor.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdlib>
#include <filesystem>

#include "ipc/protocol_version.h"
#include "ipc/settings_payloads.h"
#include "tests/supervisor/core/fake_spawner.h"

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;
using ipc::MessageType;
using testing::FakeSpawner;
using testing::FakeWorker;
using testing::runFor;
using testing::runUntil;

// A listening TCP socket on 127.0.0.1 (the "sshd" the broker connects to); port() is 0 once closed.
struct Listener {
  Listener() {
    fd = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd.get(), 8);
    socklen_t length = sizeof address;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  UniqueFd fd;
  uint16_t port = 0;
};

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest() {
    uv_loop_init(&loop_);
    spawner_ = std::make_unique<FakeSpawner>(&loop_);
    char pattern[] = "/tmp/nefia-supervisor-test-XXXXXX";
    directory_ = ::mkdtemp(pattern);
  }
  ~SupervisorTest() override {
    supervisor_.reset();
    spawner_.reset();
    runFor(&loop_, 5ms);
    uv_loop_close(&loop_);
    std::filesystem::remove_all(directory_);
  }

  AgentConfig config() const {
    AgentConfig config;
    config.privateKey = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    config.listenPort = 0;  // any free port
    config.address = "10.99.0.2/24";
    config.sshAddr = "127.0.0.1:" + std::to_string(listener_.port);
    PeerEntry peer;
    peer.publicKey = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
    peer.endpoint = "192.0.2.1:51820";
    peer.vpnAddr = "10.99.0.1";
    config.peers.push_back(peer);
    return config;
  }
  void start(AgentConfig agentConfig) {
    SupervisorOptions options;
    options.configPath = directory_ + "/agent.yaml";
    options.executable = "/nefia-agent";
    options.spawner = spawner_.get();
    supervisor_ = std::make_unique<Supervisor>(&loop_, options, std::move(agentConfig));
    Status started = supervisor_->start();
    ASSERT_TRUE(started.ok()) << started.error();
  }
  std::shared_ptr<FakeWorker> worker(const std::string& name) const { return spawner_->latest(name); }
  void sendReady(const std::string& name) {
    worker(name)->send(MessageType::kReady, ipc::toJson(ipc::ReadyPayload{ipc::kProtocolVersion, 42, {}}));
  }
  bool receives(const std::string& name, MessageType type, std::size_t count = 1) {
    return runUntil(&loop_, [&] { return worker(name)->receivedOf(type).size() >= count; });
  }
  void allReady() {
    for (const char* name : {"tunnel", "forwarder", "beacons", "updater"}) sendReady(name);
    ASSERT_TRUE(receives("updater", MessageType::kConfigure));
    ASSERT_TRUE(receives("forwarder", MessageType::kHandOverFd, 1));
  }

  uv_loop_t loop_;
  std::unique_ptr<FakeSpawner> spawner_;
  std::string directory_;
  Listener listener_;
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(SupervisorTest, StartsEveryRoleOfTheTableAndConfiguresEachAfterItsHello) {
  start(config());
  ASSERT_EQ(spawner_->spawned.size(), 4u);
  for (const char* name : {"tunnel", "forwarder", "beacons", "updater"}) {
    ASSERT_NE(worker(name), nullptr) << name;
    EXPECT_EQ(worker(name)->launch.arguments.front(), "worker");
  }
  runFor(&loop_, 20ms);
  EXPECT_TRUE(worker("tunnel")->received.empty());  // nothing before ready

  sendReady("tunnel");
  ASSERT_TRUE(receives("tunnel", MessageType::kConfigure));
  const auto& received = worker("tunnel")->received;
  // The UDP socket goes first: the tunnel sends its first handshake as soon as it is configured.
  ASSERT_GE(received.size(), 2u);
  EXPECT_EQ(received[0].type, MessageType::kHandOverFd);
  EXPECT_EQ(received[0].payload.value("role", ""), "udp_socket");
  EXPECT_EQ(received[0].fds.size(), 1u);
  auto tunnel = ipc::parseTunnelSettingsPart(worker("tunnel")->receivedOf(MessageType::kConfigure)[0]->payload);
  ASSERT_TRUE(tunnel.ok()) << tunnel.error();
  ASSERT_EQ(tunnel->settings.peers.size(), 1u);
  EXPECT_EQ(tunnel->settings.peers[0].endpoint, "192.0.2.1:51820");

  sendReady("forwarder");
  ASSERT_TRUE(receives("forwarder", MessageType::kConfigure));
  auto forwarder = ipc::parseForwarderSettings(worker("forwarder")->receivedOf(MessageType::kConfigure)[0]->payload);
  ASSERT_TRUE(forwarder.ok()) << forwarder.error();
  EXPECT_EQ(forwarder->address, "10.99.0.2/24");
  EXPECT_EQ(forwarder->protocolVersion, ipc::kProtocolVersion);
}

TEST_F(SupervisorTest, BothCoreWorkersReadyGetTheTwoEndsOfOnePacketLink) {
  start(config());
  allReady();
  ASSERT_TRUE(receives("tunnel", MessageType::kHandOverFd, 2));  // udp socket, then the packet link
  const auto* tunnelEnd = worker("tunnel")->receivedOf(MessageType::kHandOverFd).back();
  const auto* forwarderEnd = worker("forwarder")->receivedOf(MessageType::kHandOverFd).back();
  EXPECT_EQ(tunnelEnd->payload.value("role", ""), "packet_link");
  EXPECT_EQ(forwarderEnd->payload.value("role", ""), "packet_link");
  ASSERT_EQ(tunnelEnd->fds.size(), 1u);
  ASSERT_EQ(forwarderEnd->fds.size(), 1u);
  ASSERT_EQ(::send(tunnelEnd->fds[0].get(), "ping", 4, 0), 4);
  char buffer[8] = {};
  EXPECT_EQ(::recv(forwarderEnd->fds[0].get(), buffer, sizeof buffer, 0), 4);
  EXPECT_TRUE(worker("beacons")->receivedOf(MessageType::kHandOverFd).empty());
}

TEST_F(SupervisorTest, ConnectRequestIsBrokeredToTheSshAddress) {
  start(config());
  allReady();
  worker("forwarder")->send(MessageType::kConnectRequest, ipc::toJson(ipc::ConnectRequestPayload{7}));
  ASSERT_TRUE(receives("forwarder", MessageType::kConnectResult));
  const auto* answer = worker("forwarder")->receivedOf(MessageType::kConnectResult)[0];
  auto result = ipc::parseConnectResult(answer->payload);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->requestId, 7u);
  EXPECT_TRUE(result->ok);
  ASSERT_EQ(answer->fds.size(), 1u);
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  ASSERT_EQ(::getpeername(answer->fds[0].get(), reinterpret_cast<sockaddr*>(&peer), &length), 0);
  EXPECT_EQ(ntohs(peer.sin_port), listener_.port);
}

TEST_F(SupervisorTest, ConnectRequestToAClosedPortGetsTheErrorAndNoFd) {
  AgentConfig agentConfig = config();
  const uint16_t closedPort = listener_.port;
  listener_.fd.reset();
  agentConfig.sshAddr = "127.0.0.1:" + std::to_string(closedPort);
  start(agentConfig);
  allReady();
  worker("forwarder")->send(MessageType::kConnectRequest, ipc::toJson(ipc::ConnectRequestPayload{8}));
  ASSERT_TRUE(receives("forwarder", MessageType::kConnectResult));
  const auto* answer = worker("forwarder")->receivedOf(MessageType::kConnectResult)[0];
  auto result = ipc::parseConnectResult(answer->payload);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_FALSE(result->ok);
  EXPECT_FALSE(result->error.empty());
  EXPECT_TRUE(answer->fds.empty());
}

TEST_F(SupervisorTest, HostileWorkerIsKilledAndRestartedWithBackoffAndConfiguredAgain) {
  start(config());
  allReady();
  auto first = worker("beacons");
  first->send(MessageType::kConnectRequest, ipc::toJson(ipc::ConnectRequestPayload{1}));  // forwarder only
  ASSERT_TRUE(runUntil(&loop_, [&] { return !first->signals.empty(); }));
  EXPECT_EQ(first->signals.back(), SIGKILL);
  runFor(&loop_, 30ms);
  EXPECT_EQ(spawner_->incarnations("beacons").size(), 1u);  // the 100 ms back-off of a first crash
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->incarnations("beacons").size() == 2; }));
  sendReady("beacons");
  EXPECT_TRUE(receives("beacons", MessageType::kConfigure));
  EXPECT_TRUE(worker("forwarder")->signals.empty());  // the others keep running
}

TEST_F(SupervisorTest, SigtermDrainsTheForwarderBeforeTheTunnelStops) {
  start(config());
  allReady();
  ASSERT_EQ(::raise(SIGTERM), 0);  // the supervisor's uv_signal handler takes it
  ASSERT_TRUE(receives("forwarder", MessageType::kShutdown));
  EXPECT_EQ(ipc::parseShutdown(worker("forwarder")->receivedOf(MessageType::kShutdown)[0]->payload)->drainMs,
            30000u);
  ASSERT_TRUE(receives("beacons", MessageType::kShutdown));
  ASSERT_TRUE(receives("updater", MessageType::kShutdown));
  runFor(&loop_, 20ms);
  EXPECT_TRUE(worker("tunnel")->receivedOf(MessageType::kShutdown).empty());  // open connections need it

  for (const char* name : {"forwarder", "beacons", "updater"}) spawner_->exit(worker(name), 0);
  ASSERT_TRUE(receives("tunnel", MessageType::kShutdown));
  spawner_->exit(worker("tunnel"), 0);
  runFor(&loop_, 50ms);
  EXPECT_EQ(spawner_->spawned.size(), 4u);  // nobody restarted during the shutdown
  EXPECT_TRUE(std::filesystem::exists(healthReportPath(directory_ + "/agent.yaml")));
}

// A NOTIFY_SOCKET listener in place of systemd: the datagrams the supervisor sends, in order.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "200000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  }
  ~NotifySocket() {
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(name);
  }
  // Every datagram received so far.
  const std::vector<std::string>& messages() {
    char buffer[512];
    ssize_t got = 0;
    while ((got = ::recv(fd_.get(), buffer, sizeof buffer, 0)) > 0) received_.emplace_back(buffer, got);
    return received_;
  }
  std::size_t count(const std::string& prefix) {
    std::size_t found = 0;
    for (const std::string& message : messages()) found += message.rfind(prefix, 0) == 0 ? 1 : 0;
    return found;
  }

 private:
  std::string path_;
  UniqueFd fd_;
  std::vector<std::string> received_;
};

TEST_F(SupervisorTest, TellsSystemdReadyOnlyOnceEveryWorkerIsReadyAndFeedsTheWatchdog) {
  NotifySocket notify(directory_ + "/notify.sock");
  start(config());
  for (const char* name : {"tunnel", "forwarder", "beacons"}) sendReady(name);
  ASSERT_TRUE(receives("beacons", MessageType::kConfigure));
  // Three of four ready: no READY=1, but the watchdog (every 100 ms, half of 200 ms) is fed meanwhile.
  ASSERT_TRUE(runUntil(&loop_, [&] { return notify.count("WATCHDOG=1") >= 2; }));
  EXPECT_EQ(notify.count("READY=1"), 0u);
  sendReady("updater");
  ASSERT_TRUE(runUntil(&loop_, [&] { return notify.count("READY=1") == 1; }));
  // The health report already says so when systemd hears it.
  Result<HealthReport> report = readHealthReport(healthReportPath(directory_ + "/agent.yaml"));
  ASSERT_TRUE(report.ok()) << report.error();
  for (const auto& [name, worker] : report->workers) EXPECT_EQ(worker.state, "ready") << name;
  // A worker that restarts and is ready again sends no second READY=1.
  spawner_->exit(worker("beacons"), 1);
  ASSERT_TRUE(runUntil(&loop_, [&] { return spawner_->incarnations("beacons").size() == 2; }));
  sendReady("beacons");
  ASSERT_TRUE(receives("beacons", MessageType::kConfigure));
  EXPECT_EQ(notify.count("READY=1"), 1u);
  ::raise(SIGTERM);
  ASSERT_TRUE(runUntil(&loop_, [&] { return notify.count("STOPPING=1") == 1; }));
}

}  // namespace
}  // namespace nefia::supervisor

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;
using ipc::MessageType;

class SupervisorBeaconsTest : public SupervisorTest {};

HealthReport readReport(const std::string& directory) {
  auto report = readHealthReport(directory + "/agent-health.json");
  return report.ok() ? report.value() : HealthReport{};
}

TEST_F(SupervisorBeaconsTest, BeaconsGetTheirSettingsAndTheirEventsAndStatusReachTheHealthFile) {
  AgentConfig withBeacons = config();
  withBeacons.hostId = "host-7f3a";
  withBeacons.testing.reportInterval = 1s;
  withBeacons.beacons.scripts.push_back({"check", "/opt/check.sh", std::chrono::minutes(10), Duration::zero()});
  start(withBeacons);
  allReady();
  ASSERT_TRUE(receives("beacons", MessageType::kConfigure));
  auto settings = ipc::parseBeaconsSettings(worker("beacons")->receivedOf(MessageType::kConfigure)[0]->payload);
  ASSERT_TRUE(settings.ok()) << settings.error();
  ASSERT_EQ(settings->scripts.size(), 1u);
  EXPECT_EQ(settings->scripts[0].timeoutMs, 60000u) << "min(10 min, 60 s)";

  ipc::BeaconEvent event;
  event.kind = ipc::BeaconKind::kScript;
  event.name = "check";
  event.state = ipc::BeaconState::kCritical;
  event.value = 2;
  worker("beacons")->send(MessageType::kBeaconEvent, ipc::toJson(event));
  ipc::StatusReportPayload status;
  status.requestId = 1;
  status.details = ipc::BeaconsStatus{{{ipc::BeaconKind::kScript, "check", ipc::BeaconState::kCritical,
                                        1764870000000, 3, 1}}};
  worker("beacons")->send(MessageType::kStatusReport, ipc::toJsonParts(status, ipc::kMaxPayloadBytes).at(0));
  ASSERT_TRUE(testing::runUntil(&loop_, [&] { return readReport(directory_).beacons.queued == 1; }));
  ASSERT_TRUE(testing::runUntil(&loop_, [&] { return !readReport(directory_).beacons.checks.empty(); }, 15s));
  const HealthReport report = readReport(directory_);
  ASSERT_EQ(report.beacons.checks.size(), 1u);
  EXPECT_EQ(report.beacons.checks[0].state, "critical");
  EXPECT_EQ(report.beacons.checks[0].lastRun, "2025-12-04T17:40:00Z");
  EXPECT_EQ(report.beacons.checks[0].runs, 3u);
  EXPECT_EQ(report.beacons.checks[0].skips, 1u);
  EXPECT_EQ(report.beacons.dropped, 0u);
}

TEST_F(SupervisorBeaconsTest, OnlyTheBeaconsWorkerMaySendBeaconEvents) {
  start(config());
  allReady();
  auto tunnel = worker("tunnel");
  tunnel->send(MessageType::kBeaconEvent, ipc::toJson(ipc::BeaconEvent{}));
  ASSERT_TRUE(testing::runUntil(&loop_, [&] { return !tunnel->signals.empty(); }))
      << "a tunnel sending beacon_event is killed (and restarted)";
  EXPECT_EQ(tunnel->signals.back(), SIGKILL);
  EXPECT_TRUE(worker("beacons")->signals.empty());
}

}  // namespace
}  // namespace nefia::supervisor
