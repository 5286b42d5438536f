// Netstack: lwIP initialisation, the tunnel interface (bare IP over the PacketLink), and the one uv_timer
// that drives lwIP's timeout list. Must never call lwIP from another thread, and never poll on a fixed period.
#include "workers/forwarder/netstack.h"

#include <arpa/inet.h>
#include <sys/uio.h>
#include <time.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/log.h"
#include "common/panic.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/nd6.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "workers/packet_link/packet_link.h"
#include "workers/forwarder/segment_guard.h"

// lwIP's clock (NO_SYS): milliseconds of the monotonic clock, so wall-clock jumps never fire timers.
extern "C" u32_t sys_now(void) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<u32_t>(static_cast<uint64_t>(now.tv_sec) * 1000u + static_cast<uint64_t>(now.tv_nsec) / 1000000u);
}

namespace nefia::forwarder {
namespace {

constexpr const char* kComponent = "forwarder";
// A packet split over more pbufs than this is copied flat first (lwIP's TCP output uses two or three).
constexpr std::size_t kMaxPiecesPerPacket = 16;

bool gNetstackAlive = false;

void initLwipOnce() {
  static bool initialized = false;
  if (initialized) return;
  initialized = true;
  lwip_init();
  // Neighbour discovery has nothing to do on a point-to-point tunnel interface (no link-layer
  // addresses, no routers, DAD disabled) but its cyclic timer would wake an idle agent every second.
  for (int i = 0; i < lwip_num_cyclic_timers; ++i) {
    if (lwip_cyclic_timers[i].handler == nd6_tmr) {
      sys_untimeout(lwip_cyclic_timer, const_cast<struct lwip_cyclic_timer*>(&lwip_cyclic_timers[i]));
    }
  }
}

Status splitCidr(const std::string& text, std::string& address, int& prefix, int maxPrefix) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return makeError("missing /prefix");
  address = text.substr(0, slash);
  const std::string prefixText = text.substr(slash + 1);
  if (prefixText.empty() || prefixText.size() > 3 || prefixText.find_first_not_of("0123456789") != std::string::npos) {
    return makeError("prefix length is not a number");
  }
  prefix = std::atoi(prefixText.c_str());
  if (prefix < 1 || prefix > maxPrefix) return makeError("prefix length out of range");
  return Status::success();
}

void abortAllConnections(struct tcp_pcb*& list) {
  // tcp_abort unlinks the pcb from the list (and tells its owner through the error callback).
  while (list != nullptr) tcp_abort(list);
}

}  // namespace

Netstack::Netstack(PacketLink& link) : link_(link) {}

Result<std::unique_ptr<Netstack>> Netstack::create(uv_loop_t* loop, const NetstackConfig& config, PacketLink& link) {
  check(!gNetstackAlive, "a second Netstack was created while one is alive; lwIP is a process-wide singleton, "
                         "so a process may run only one at a time");
  if (config.mtu < 1280) {
    return makeError("forwarder: MTU " + std::to_string(config.mtu) +
                     " is too small (IPv6 needs at least 1280); use the default 1420");
  }
  std::string address;
  int ipv4Prefix = 0;
  in_addr ipv4{};
  if (Status split = splitCidr(config.ipv4Cidr, address, ipv4Prefix, 32);
      !split || ::inet_pton(AF_INET, address.c_str(), &ipv4) != 1) {
    return makeError("forwarder: VPN address \"" + config.ipv4Cidr +
                     "\" is not an IPv4 address with prefix (e.g. 10.99.0.2/24); fix the config field `address`");
  }
  ip6_addr_t ipv6{};
  const bool hasIpv6 = !config.ipv6Cidr.empty();
  if (hasIpv6) {
    in6_addr parsed{};
    int ipv6Prefix = 0;
    if (Status split = splitCidr(config.ipv6Cidr, address, ipv6Prefix, 128);
        !split || ::inet_pton(AF_INET6, address.c_str(), &parsed) != 1) {
      return makeError("forwarder: VPN address \"" + config.ipv6Cidr +
                       "\" is not an IPv6 address with prefix (e.g. fd00:99::2/64); fix the config field `address`");
    }
    std::memcpy(ipv6.addr, parsed.s6_addr, sizeof ipv6.addr);
  }

  initLwipOnce();
  std::unique_ptr<Netstack> stack(new Netstack(link));
  gNetstackAlive = true;
  stack->mtu_ = config.mtu;

  ip4_addr_t ip{};
  ip4_addr_t mask{};
  ip4_addr_t gateway{};
  ip.addr = ipv4.s_addr;
  mask.addr = lwip_htonl(ipv4Prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> ipv4Prefix));
  ip_addr_copy_from_ip4(stack->ipv4Address_, ip);
  if (netif_add(&stack->netif_, &ip, &mask, &gateway, stack.get(), &Netstack::initInterface, ip_input) == nullptr) {
    return makeError("forwarder: lwIP refused the tunnel interface for " + config.ipv4Cidr);
  }
  stack->interfaceAdded_ = true;
  if (hasIpv6) {
    s8_t index = -1;
    if (netif_add_ip6_address(&stack->netif_, &ipv6, &index) != ERR_OK) {
      return makeError("forwarder: lwIP refused the IPv6 address " + config.ipv6Cidr);
    }
    // Duplicate address detection is off: the tunnel has exactly one peer and the address is assigned.
    netif_ip6_addr_set_state(&stack->netif_, index, IP6_ADDR_PREFERRED);
  }
  netif_set_default(&stack->netif_);
  netif_set_link_up(&stack->netif_);
  netif_set_up(&stack->netif_);

  if (stack->timer_.init(uv_timer_init, loop) != 0 || stack->beforeBlocking_.init(uv_prepare_init, loop) != 0) {
    return makeError("forwarder: cannot create the netstack's event-loop handles");
  }
  stack->timer_.get()->data = stack.get();
  stack->beforeBlocking_.get()->data = stack.get();
  // Prepare handles run after timers, pending and I/O callbacks of the previous round and just before the
  // loop computes its poll timeout: whatever lwIP scheduled anywhere is armed before the loop sleeps.
  uv_prepare_start(stack->beforeBlocking_.get(), &Netstack::beforeBlocking);
  uv_unref(stack->beforeBlocking_.asHandle());
  stack->rearmTimer();
  logInfo(kComponent, "netstack up on ", config.ipv4Cidr, hasIpv6 ? " and " : "", config.ipv6Cidr, ", MTU ", config.mtu);
  return stack;
}

Netstack::~Netstack() {
  if (interfaceAdded_) {
    abortAllConnections(tcp_active_pcbs);
    abortAllConnections(tcp_tw_pcbs);
    netif_remove(&netif_);
    interfaceAdded_ = false;
  }
  gNetstackAlive = false;
}

void Netstack::close(std::function<void()> done) {
  if (interfaceAdded_) {
    abortAllConnections(tcp_active_pcbs);
    abortAllConnections(tcp_tw_pcbs);
    netif_remove(&netif_);
    interfaceAdded_ = false;
  }
  auto remaining = std::make_shared<int>(2);
  auto finished = [remaining, done = std::move(done)] {
    if (--*remaining == 0 && done) done();
  };
  timer_.close(finished);
  beforeBlocking_.close(finished);
}

err_t Netstack::initInterface(struct netif* netif) {
  auto* self = static_cast<Netstack*>(netif->state);
  netif->name[0] = 'w';
  netif->name[1] = 'g';
  netif->mtu = self->mtu_;
  netif->output = &Netstack::outputIpv4;
  netif->output_ip6 = &Netstack::outputIpv6;
  // Point-to-point: no broadcast, no ARP, no multicast; lwIP then never resolves link addresses.
  netif->flags = 0;
  return ERR_OK;
}

err_t Netstack::outputIpv4(struct netif* netif, struct pbuf* packet, const ip4_addr_t*) {
  return static_cast<Netstack*>(netif->state)->transmit(packet);
}

err_t Netstack::outputIpv6(struct netif* netif, struct pbuf* packet, const ip6_addr_t*) {
  return static_cast<Netstack*>(netif->state)->transmit(packet);
}

err_t Netstack::transmit(struct pbuf* packet) {
  std::array<iovec, kMaxPiecesPerPacket> pieces{};
  std::size_t count = 0;
  for (struct pbuf* piece = packet; piece != nullptr && count < pieces.size(); piece = piece->next) {
    if (piece->len == 0) continue;
    pieces[count++] = iovec{piece->payload, piece->len};
  }
  std::size_t covered = 0;
  for (std::size_t i = 0; i < count; ++i) covered += pieces[i].iov_len;
  if (covered == packet->tot_len) {
    link_.send(std::span<const iovec>(pieces.data(), count));
  } else {
    std::vector<uint8_t> flat(packet->tot_len);
    pbuf_copy_partial(packet, flat.data(), packet->tot_len, 0);
    const iovec whole{flat.data(), flat.size()};
    link_.send(std::span<const iovec>(&whole, 1));
  }
  // A dropped packet is loss on the link: TCP recovers by retransmitting, so lwIP sees success.
  return ERR_OK;
}

void Netstack::input(std::span<const uint8_t> packet) {
  if (!interfaceAdded_ || packet.empty() || packet.size() > 0xffff || isSegmentFarOutsideWindow(packet)) {
    ++droppedInbound_;
    return;
  }
  struct pbuf* buffer = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(packet.size()), PBUF_RAM);
  if (buffer == nullptr) {
    ++droppedInbound_;
    return;
  }
  std::memcpy(buffer->payload, packet.data(), packet.size());
  if (netif_.input(buffer, &netif_) != ERR_OK) {
    pbuf_free(buffer);
    ++droppedInbound_;
  }
}

void Netstack::retransmitUnacknowledged() {
  for (struct tcp_pcb* pcb = tcp_active_pcbs; pcb != nullptr; pcb = pcb->next) {
    if (pcb->unacked != nullptr) tcp_rexmit_rto(pcb);
  }
}

void Netstack::onTimer(uv_timer_t* handle) {
  auto* self = static_cast<Netstack*>(handle->data);
  self->timerArmed_ = false;
  sys_check_timeouts();
}

void Netstack::beforeBlocking(uv_prepare_t* handle) { static_cast<Netstack*>(handle->data)->rearmTimer(); }

void Netstack::rearmTimer() {
  if (!timer_.initialized()) return;
  const u32_t sleep = sys_timeouts_sleeptime();
  if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
    if (timerArmed_) uv_timer_stop(timer_.get());
    timerArmed_ = false;
    return;
  }
  const uint32_t deadline = sys_now() + sleep;
  if (timerArmed_ && deadline == armedDeadline_) return;
  uv_timer_start(timer_.get(), &Netstack::onTimer, sleep, 0);
  timerArmed_ = true;
  armedDeadline_ = deadline;
}

}  // namespace nefia::forwarder
