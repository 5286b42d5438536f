// The `wg` runner's deadline: a tool that hangs is killed with its process group and reported with the command,
// so the hub's loop is never held longer than that.
#include "operator/wireguard_control.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace nefia::hub {
namespace {

TEST(WgToolControl, AHangingWgIsKilledAtItsDeadline) {
  char pattern[] = "/tmp/nefia-wg-test-XXXXXX";
  const std::string directory = ::mkdtemp(pattern);
  const std::string tool = directory + "/wg";
  std::ofstream(tool) << "#!/bin/sh\nsleep 30 &\nexec sleep 30\n";  // a child of its own keeps the pipe open too
  ::chmod(tool.c_str(), 0700);
  WgToolControl wireguard("nwg0", tool, std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  const Status status = wireguard.setPeer("key", "10.99.0.2/32", "");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "`" + tool + " set nwg0 peer key allowed-ips 10.99.0.2/32` did not finish within 300 ms "
                            "and was killed; is WireGuard interface nwg0 responsive?");
  EXPECT_LT(took, std::chrono::seconds(3));
  std::filesystem::remove_all(directory);
}

TEST(WgToolControl, AFailingWgIsReportedWithItsOutput) {
  char pattern[] = "/tmp/nefia-wg-test-XXXXXX";
  const std::string directory = ::mkdtemp(pattern);
  const std::string tool = directory + "/wg";
  std::ofstream(tool) << "#!/bin/sh\necho 'Unable to access interface: No such device' >&2\nexit 1\n";
  ::chmod(tool.c_str(), 0700);
  WgToolControl wireguard("nwg0", tool);
  const Status status = wireguard.removePeer("key");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "`" + tool + " set nwg0 peer key remove` failed: Unable to access interface: No such "
                            "device; is WireGuard interface nwg0 up?");
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace nefia::hub
