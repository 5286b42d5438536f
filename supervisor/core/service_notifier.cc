// ServiceNotifier: sd_notify without unsetting NOTIFY_SOCKET (the watchdog needs it for the whole run; workers
// never see it, their environment is reduced to PATH). The watchdog timer is unreferenced: it never keeps the loop alive.
#include "supervisor/core/service_notifier.h"

#include <systemd/sd-daemon.h>

#include "common/log.h"

namespace nefia::supervisor {
namespace {

constexpr const char* kComponent = "supervisor";

void notify(const char* state) {
  const int sent = sd_notify(0, state);
  if (sent < 0) logWarn(kComponent, "cannot notify the service manager (", state, "): error ", -sent);
}

}  // namespace

ServiceNotifier::ServiceNotifier(uv_loop_t* loop) {
  watchdogTimer_.init(uv_timer_init, loop);
}

ServiceNotifier::~ServiceNotifier() { watchdogTimer_.close(); }

void ServiceNotifier::start() {
  uint64_t microseconds = 0;
  if (sd_watchdog_enabled(0, &microseconds) <= 0 || microseconds == 0) return;
  watchdogIntervalMs_ = microseconds / 2000;  // half the interval, in milliseconds
  if (watchdogIntervalMs_ == 0) watchdogIntervalMs_ = 1;
  uv_timer_start(watchdogTimer_.get(), [](uv_timer_t*) { notify("WATCHDOG=1"); }, watchdogIntervalMs_,
                 watchdogIntervalMs_);
  uv_unref(reinterpret_cast<uv_handle_t*>(watchdogTimer_.get()));
  logInfo(kComponent, "feeding the service manager's watchdog every ", watchdogIntervalMs_, " ms");
}

void ServiceNotifier::ready() {
  if (readySent_) return;
  readySent_ = true;
  notify("READY=1\nSTATUS=all workers ready");
}

void ServiceNotifier::stopping() { notify("STOPPING=1\nSTATUS=draining forwarded connections"); }

}  // namespace nefia::supervisor
