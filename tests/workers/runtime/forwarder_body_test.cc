// Issue 12 item 3: a forwarder whose netstack cannot start logged the error and stayed "ready", so SSH silently
// stopped working. It must exit instead (the supervisor then reports it not ready and restarts it).
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <gtest/gtest.h>

#include "ipc/protocol_version.h"
#include "ipc/settings_payloads.h"
#include "ipc/worker_channel.h"
#include "workers/runtime/worker_body.h"

namespace nefia::workers {
namespace {

void handOverBrokenSettings() {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int control[2];
  int packets[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, control) != 0 || ::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, packets) != 0) {
    return;
  }
  auto channel = ipc::WorkerChannel::open(&loop, ipc::Role::kForwarder, UniqueFd(control[0]));
  if (!channel.ok()) return;
  std::unique_ptr<WorkerBody> body = makeForwarderBody(WorkerContext{&loop, channel.value().get()});
  // Settings that validation refuses today; the body must still never keep running without a netstack.
  const ipc::ForwarderSettings settings{ipc::kProtocolVersion, "fd00::8/64", 1420, 22};
  body->onMessage(ipc::Message{ipc::MessageType::kConfigure, ipc::toJson(settings), {}});
  ipc::Message packetLink{ipc::MessageType::kHandOverFd, {{"role", "packet_link"}}, {}};
  packetLink.fds.emplace_back(packets[0]);
  body->onMessage(std::move(packetLink));
}

TEST(ForwarderBodyDeathTest, ExitsWhenItsNetstackCannotStart) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(handOverBrokenSettings(), ::testing::ExitedWithCode(1), "");
}

}  // namespace
}  // namespace nefia::workers
