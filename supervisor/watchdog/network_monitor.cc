// NetworkMonitor: netlink (RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR) as the wake-up, getifaddrs as the truth,
// a 5 s poll as the fallback. Logs every added and removed address; never throws from a libuv callback.
#include "supervisor/watchdog/network_monitor.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/log.h"

namespace nefia::supervisor {
namespace {

constexpr const char* kComponent = "network";

uint64_t toTimerMs(Duration duration) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(duration).count();
  return ms < 0 ? 0 : static_cast<uint64_t>(ms);
}

}  // namespace

NetworkMonitor::NetworkMonitor(uv_loop_t* loop, ChangeCallback onChange, Options options)
    : loop_(loop), onChange_(std::move(onChange)), options_(std::move(options)) {
  settleTimer_.init(uv_timer_init, loop_);
  settleTimer_.get()->data = this;
  pollTimer_.init(uv_timer_init, loop_);
  pollTimer_.get()->data = this;
}

NetworkMonitor::~NetworkMonitor() { stop(); }

Status NetworkMonitor::start() {
  Result<AddressSet> first = options_.readAddresses();
  if (!first.ok()) return makeError("network monitor: " + first.error());
  addresses_ = std::move(first.value());
  if (!options_.useNetlink) {
    startPolling("netlink not requested");
    return Status::success();
  }
  Status netlink = openNetlink();
  if (!netlink.ok()) {
    startPolling(netlink.error().c_str());
    return Status::success();
  }
  logInfo(kComponent, "watching local addresses through netlink (", addresses_.size(), " addresses now)");
  return Status::success();
}

Status NetworkMonitor::openNetlink() {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return makeError(std::string("cannot open a netlink socket: ") + std::strerror(errno));
  UniqueFd socket(fd);
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return makeError(std::string("cannot subscribe to netlink address events: ") + std::strerror(errno));
  }
  const int status = netlinkPoll_.init(uv_poll_init, loop_, fd);
  if (status != 0) return makeError(std::string("cannot watch the netlink socket: ") + uv_strerror(status));
  netlinkPoll_.get()->data = this;
  uv_poll_start(netlinkPoll_.get(), UV_READABLE, [](uv_poll_t* handle, int pollStatus, int) {
    auto* self = static_cast<NetworkMonitor*>(handle->data);
    if (pollStatus < 0) {
      self->startPolling(uv_strerror(pollStatus));
      return;
    }
    self->onNetlinkReadable();
  });
  netlink_ = std::move(socket);
  return Status::success();
}

void NetworkMonitor::onNetlinkReadable() {
  // The messages only say that something changed; the settled getifaddrs reading says what.
  std::array<char, 8192> buffer;
  for (;;) {
    const ssize_t received = ::recv(netlink_.get(), buffer.data(), buffer.size(), 0);
    if (received >= 0) continue;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;  // ENOBUFS: events lost, re-read anyway
    startPolling(std::strerror(errno));
    break;
  }
  scheduleSettledRead();
}

void NetworkMonitor::scheduleSettledRead() {
  uv_timer_start(
      settleTimer_.get(), [](uv_timer_t* timer) { static_cast<NetworkMonitor*>(timer->data)->readAndCompare(); },
      toTimerMs(options_.settleDelay), 0);
}

void NetworkMonitor::startPolling(const char* why) {
  if (netlinkPoll_.initialized()) netlinkPoll_.close();
  netlink_.reset();
  logInfo(kComponent, "watching local addresses by polling every ", formatShortGoDuration(options_.pollInterval), " (",
          why, ")");
  const uint64_t interval = toTimerMs(options_.pollInterval);
  uv_timer_start(
      pollTimer_.get(), [](uv_timer_t* timer) { static_cast<NetworkMonitor*>(timer->data)->readAndCompare(); },
      interval, interval);
}

void NetworkMonitor::readAndCompare() {
  Result<AddressSet> now = options_.readAddresses();
  if (!now.ok()) {
    logWarn(kComponent, now.error(), "; trying again at the next event or poll");
    return;
  }
  AddressChange change = diffAddresses(addresses_, now.value());
  addresses_ = std::move(now.value());
  if (change.empty()) return;
  for (const InterfaceAddress& address : change.removed) logInfo(kComponent, "address removed: ", toString(address));
  for (const InterfaceAddress& address : change.added) logInfo(kComponent, "address added: ", toString(address));
  if (onChange_) onChange_(change);
}

void NetworkMonitor::stop() {
  if (settleTimer_.initialized()) uv_timer_stop(settleTimer_.get());
  if (pollTimer_.initialized()) uv_timer_stop(pollTimer_.get());
  if (netlinkPoll_.initialized()) netlinkPoll_.close();
  netlink_.reset();
}

}  // namespace nefia::supervisor
