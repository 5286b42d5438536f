// Netstack: the process's single lwIP instance (NO_SYS) with one interface whose packets travel over a
// PacketLink, and whose timers are one uv_timer armed from sys_timeouts_sleeptime(). Must never exist
// twice at once (lwIP is global state) and never wake the loop when lwIP has no timeout pending.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "common/result.h"
#include "common/uv_handle.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "workers/forwarder/constants.h"

namespace nefia::forwarder {

class PacketLink;

struct NetstackConfig {
  std::string ipv4Cidr;  // the agent's VPN address, e.g. "10.99.0.2/24" (config field `address`)
  std::string ipv6Cidr;  // optional, e.g. "fd00:99::2/64"; empty for none
  uint16_t mtu = kDefaultMtu;
};

class Netstack {
 public:
  // Brings up the interface. A second live Netstack in one process aborts with a message.
  static Result<std::unique_ptr<Netstack>> create(uv_loop_t* loop, const NetstackConfig& config, PacketLink& link);
  Netstack(const Netstack&) = delete;
  Netstack& operator=(const Netstack&) = delete;
  ~Netstack();

  // Hands one received IP packet to lwIP.
  void input(std::span<const uint8_t> packet);
  // The link was replaced (tunnel worker restarted): resend every connection's unacknowledged data now
  // instead of waiting for a retransmission timer that may have backed off to seconds during the outage.
  void retransmitUnacknowledged();
  // Resets every remaining lwIP connection, removes the interface and closes the timer handles.
  void close(std::function<void()> done);

  const ip_addr_t& ipv4Address() const { return ipv4Address_; }
  uint64_t droppedInbound() const { return droppedInbound_; }

 private:
  explicit Netstack(PacketLink& link);
  static err_t initInterface(struct netif* netif);
  static err_t outputIpv4(struct netif* netif, struct pbuf* packet, const ip4_addr_t* destination);
  static err_t outputIpv6(struct netif* netif, struct pbuf* packet, const ip6_addr_t* destination);
  static void onTimer(uv_timer_t* handle);
  static void beforeBlocking(uv_prepare_t* handle);
  err_t transmit(struct pbuf* packet);
  void rearmTimer();

  PacketLink& link_;
  struct netif netif_ {};
  bool interfaceAdded_ = false;
  uint16_t mtu_ = kDefaultMtu;
  ip_addr_t ipv4Address_{};
  UvHandle<uv_timer_t> timer_;
  UvHandle<uv_prepare_t> beforeBlocking_;
  uint32_t armedDeadline_ = 0;
  bool timerArmed_ = false;
  uint64_t droppedInbound_ = 0;
};

}  // namespace nefia::forwarder
