// Test helper for network_monitor_netns_test.sh: runs a NetworkMonitor and prints one line per added or
// removed address ("added 192.0.2.77 on nmd1"). Runs until killed; exits 1 after 30 s or if it cannot watch.
#include <uv.h>

#include <cstdio>

#include "common/log.h"
#include "common/uv_handle.h"
#include "supervisor/watchdog/network_monitor.h"

using nefia::supervisor::AddressChange;
using nefia::supervisor::InterfaceAddress;
using nefia::supervisor::NetworkMonitor;

namespace {
constexpr uint64_t kGiveUpMs = 30'000;
}

int main() {
  nefia::Logger::instance().addSink(nefia::makeStderrSink());
  uv_loop_t loop;
  uv_loop_init(&loop);
  int exitCode = 0;
  {
    NetworkMonitor monitor(&loop, [](const AddressChange& change) {
      for (const InterfaceAddress& address : change.removed) std::printf("removed %s\n", toString(address).c_str());
      for (const InterfaceAddress& address : change.added) std::printf("added %s\n", toString(address).c_str());
      std::fflush(stdout);
    });
    nefia::Status started = monitor.start();
    if (!started.ok()) {
      std::fprintf(stderr, "%s\n", started.error().c_str());
      return 1;
    }
    std::printf("watching %s\n", monitor.usingNetlink() ? "netlink" : "by polling");
    std::fflush(stdout);

    // The script kills the probe when it is done; the timer bounds a script that never does.
    nefia::UvHandle<uv_timer_t> giveUp;
    giveUp.init(uv_timer_init, &loop);
    giveUp.get()->data = &exitCode;
    uv_timer_start(
        giveUp.get(),
        [](uv_timer_t* timer) {
          *static_cast<int*>(timer->data) = 1;
          uv_stop(timer->loop);
        },
        kGiveUpMs, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop) == 0 ? exitCode : 1;
}
