// What the service manager hears from the supervisor (sd_notify, libsystemd): READY=1 once every worker is
// ready, WATCHDOG=1 from the event loop at half of WatchdogSec, STOPPING=1 at shutdown. Silent without systemd.
#pragma once

#include <uv.h>

#include <cstdint>

#include "common/uv_handle.h"

namespace nefia::supervisor {

class ServiceNotifier {
 public:
  explicit ServiceNotifier(uv_loop_t* loop);
  ~ServiceNotifier();

  // Starts the watchdog timer when systemd asked for one (WATCHDOG_USEC for this pid); else does nothing.
  void start();
  // READY=1 the first time it is called; later calls (a worker restarted and ready again) send nothing.
  void ready();
  // STOPPING=1; the watchdog keeps being fed during the drain, which can outlast WatchdogSec.
  void stopping();
  uint64_t watchdogIntervalMs() const { return watchdogIntervalMs_; }

 private:
  UvHandle<uv_timer_t> watchdogTimer_;
  uint64_t watchdogIntervalMs_ = 0;  // half of WatchdogSec; 0 when there is no watchdog
  bool readySent_ = false;
};

}  // namespace nefia::supervisor
