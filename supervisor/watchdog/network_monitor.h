// NetworkMonitor: notices local address changes and reports them once they settle. On Linux a NETLINK_ROUTE
// socket subscribed to IPv4/IPv6 address events wakes it at once; where netlink cannot be opened it polls
// every 5 s. Either way the change itself is a getifaddrs diff. It never acts on the tunnel itself.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>

#include "common/config/go_duration.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "common/uv_handle.h"
#include "supervisor/watchdog/local_addresses.h"

namespace nefia::supervisor {

// The reference's polling period, used when netlink address events are unavailable.
inline constexpr Duration kAddressPollInterval = std::chrono::seconds(5);
// Events arriving within this quiet time are reported together: "ip addr del; ip addr add" is one change,
// so the watchdog rebuilds once, with the new address already in place.
inline constexpr Duration kAddressSettleDelay = std::chrono::milliseconds(200);

class NetworkMonitor {
 public:
  using AddressReader = std::function<Result<AddressSet>()>;
  using ChangeCallback = std::function<void(const AddressChange&)>;

  struct Options {
    bool useNetlink = true;  // false: poll only (tests, and platforms without netlink)
    Duration pollInterval = kAddressPollInterval;
    Duration settleDelay = kAddressSettleDelay;
    AddressReader readAddresses = readLocalAddresses;
  };

  NetworkMonitor(uv_loop_t* loop, ChangeCallback onChange, Options options);
  NetworkMonitor(uv_loop_t* loop, ChangeCallback onChange) : NetworkMonitor(loop, std::move(onChange), Options{}) {}
  NetworkMonitor(const NetworkMonitor&) = delete;
  NetworkMonitor& operator=(const NetworkMonitor&) = delete;
  ~NetworkMonitor();

  // Takes the first reading (no change is reported for it), then watches. The error means neither netlink
  // nor getifaddrs works; the agent keeps running without the monitor.
  Status start();
  void stop();
  bool usingNetlink() const { return netlink_.valid(); }
  const AddressSet& addresses() const { return addresses_; }

 private:
  Status openNetlink();
  void onNetlinkReadable();
  void startPolling(const char* why);
  void scheduleSettledRead();
  void readAndCompare();

  uv_loop_t* loop_;
  ChangeCallback onChange_;
  Options options_;
  AddressSet addresses_;
  UniqueFd netlink_;
  UvHandle<uv_poll_t> netlinkPoll_;
  UvHandle<uv_timer_t> settleTimer_;
  UvHandle<uv_timer_t> pollTimer_;
};

}  // namespace nefia::supervisor
