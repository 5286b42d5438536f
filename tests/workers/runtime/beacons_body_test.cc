// The beacons body driven in-process: typed settings in, a finding out as a beacon_event frame that the
// supervisor's hostile-input policy accepts, and the check's runs in the status report.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>

#include "ipc/inbound_policy.h"
#include "ipc/protocol_version.h"
#include "ipc/settings_payloads.h"
#include "ipc/worker_channel.h"
#include "workers/runtime/worker_body.h"

namespace nefia::workers {
namespace {

// The next frame the body sent, read as the supervisor reads it; nothing within `seconds`: an empty frame.
ipc::RawFrame nextFrame(uv_loop_t* loop, int supervisorEnd, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    uv_run(loop, UV_RUN_NOWAIT);
    pollfd ready{supervisorEnd, POLLIN, 0};
    if (::poll(&ready, 1, 10) == 1) {
      ipc::RawFrame frame;
      frame.bytes.resize(64 * 1024);
      const ssize_t got = ::recv(supervisorEnd, frame.bytes.data(), frame.bytes.size(), 0);
      frame.bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
      return frame;
    }
  }
  return {};
}

TEST(BeaconsBodyTest, SettingsInBeaconEventOutStatusCountsTheRun) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int control[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control), 0);
  auto channel = ipc::WorkerChannel::open(&loop, ipc::Role::kBeacons, UniqueFd(control[0]));
  ASSERT_TRUE(channel.ok()) << channel.error();
  char scratch[] = "/tmp/bcn-body-XXXXXX";
  ASSERT_NE(::mkdtemp(scratch), nullptr);
  std::unique_ptr<WorkerBody> body = makeBeaconsBody(WorkerContext{&loop, channel.value().get(), scratch});

  ipc::BeaconsSettings settings;
  settings.protocolVersion = ipc::kProtocolVersion;
  settings.diskIntervalMs = 60000;
  settings.servicesIntervalMs = 60000;
  settings.scripts = {{"low-space", "echo 'only 3 GB left'; exit 1", 60000, 1000}};
  settings.heartbeatMs = 3600000;
  body->onMessage(ipc::Message{ipc::MessageType::kConfigure, ipc::toJson(settings), {}});

  ipc::RawFrame frame = nextFrame(&loop, control[1], 10);
  ASSERT_FALSE(frame.bytes.empty()) << "no event within 10 s";
  auto inbound = ipc::checkInbound(ipc::Role::kBeacons, ipc::WorkerState::kReady, frame);
  ASSERT_TRUE(inbound.ok()) << inbound.error();
  ASSERT_EQ(inbound->type, ipc::MessageType::kBeaconEvent);
  const auto& event = std::get<ipc::BeaconEvent>(inbound->payload);
  EXPECT_EQ(event.kind, ipc::BeaconKind::kScript);
  EXPECT_EQ(event.name, "low-space");
  EXPECT_EQ(event.state, ipc::BeaconState::kWarning);
  EXPECT_EQ(event.message, "only 3 GB left\\n");

  const ipc::StatusReportPayload report = body->status();
  const auto* beacons = std::get_if<ipc::BeaconsStatus>(&report.details);
  ASSERT_NE(beacons, nullptr);
  ASSERT_EQ(beacons->checks.size(), 1u);
  EXPECT_EQ(beacons->checks[0].runs, 1u);
  EXPECT_EQ(beacons->checks[0].state, ipc::BeaconState::kWarning);
  // The status travels as the supervisor parses it from the beacons worker.
  auto parsed = ipc::parseStatusReport(ipc::toJson(report), ipc::Role::kBeacons);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(std::get<ipc::BeaconsStatus>(parsed->details), *beacons);

  bool stopped = false;
  body->shutdown(0, [&] { stopped = true; });
  EXPECT_TRUE(stopped);
  body.reset();
  channel.value().reset();
  while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
  }
  EXPECT_EQ(uv_loop_close(&loop), 0) << "every handle of the body was closed";
  ::close(control[1]);
  std::filesystem::remove_all(scratch);
}

}  // namespace
}  // namespace nefia::workers
