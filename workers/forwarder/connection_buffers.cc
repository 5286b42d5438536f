// ConnectionBuffers: the lwIP side of buffer autotuning. Reads lwIP's smoothed RTT, cwnd and the peer's
// window; never retracts an offered window (tcp_set_rcv_wnd_max only lowers the limit).
#include "workers/forwarder/connection_buffers.h"

#include <algorithm>

#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "workers/forwarder/constants.h"

namespace nefia::forwarder {
namespace {

// lwIP keeps the smoothed RTT as 8x slow-timer ticks (pcb->sa); 0 until the first sample.
uint32_t smoothedRttMs(const struct tcp_pcb* pcb) {
  return static_cast<uint32_t>(std::max<s16_t>(pcb->sa, 0) >> 3) * TCP_SLOW_INTERVAL;
}

std::size_t bytesInLwip(const struct tcp_pcb* pcb) { return static_cast<u32_t>(pcb->snd_lbb - pcb->lastack); }

}  // namespace

ConnectionBuffers::ConnectionBuffers(BufferBudget& budget)
    : receive_(budget, {kInitialReceiveWindow, kMaxReceiveWindow}), send_(budget, {kInitialSendLimit, kMaxSendLimit}) {}

uint32_t ConnectionBuffers::receiverRttMs(const struct tcp_pcb* pcb, uint32_t nowMs) {
  if (edgeMarked_ && TCP_SEQ_GEQ(pcb->rcv_nxt, markedEdge_)) {
    const uint32_t sample = std::max<uint32_t>(nowMs - markedAtMs_, 1);
    receiverRttMs_ = receiverRttMs_ == 0 ? sample : std::min(receiverRttMs_, sample);
    edgeMarked_ = false;
  }
  if (!edgeMarked_) {
    edgeMarked_ = true;
    markedEdge_ = pcb->rcv_nxt + pcb->rcv_wnd;
    markedAtMs_ = nowMs;
  }
  return receiverRttMs_;
}

void ConnectionBuffers::delivered(struct tcp_pcb* pcb, std::size_t bytes) {
  const std::size_t before = receive_.limit();
  const uint32_t now = sys_now();
  const uint32_t receiverRtt = receiverRttMs(pcb, now);
  // lwIP's own RTT has 20 ms ticks and needs data of ours to be acknowledged; the receiver's estimate works
  // for an upload too.
  receive_.onDelivered(bytes, now, receiverRtt != 0 ? receiverRtt : smoothedRttMs(pcb));
  if (receive_.limit() != before) tcp_set_rcv_wnd_max(pcb, static_cast<tcpwnd_size_t>(receive_.limit()));
}

std::size_t ConnectionBuffers::sendRoom(const struct tcp_pcb* pcb) {
  const std::size_t flight = std::min<std::size_t>(pcb->cwnd, pcb->snd_wnd);
  send_.onSendWindow(flight, kMaxUnsentBytes, sys_now());
  const std::size_t held = bytesInLwip(pcb);
  return held >= send_.limit() ? 0 : send_.limit() - held;
}

void ConnectionBuffers::tick(struct tcp_pcb* pcb, std::size_t held) {
  const uint32_t now = sys_now();
  const std::size_t receiveBefore = receive_.limit();
  receive_.onTick(now, static_cast<std::size_t>(pcb->rcv_wnd) + held);
  if (receive_.limit() != receiveBefore) tcp_set_rcv_wnd_max(pcb, static_cast<tcpwnd_size_t>(receive_.limit()));
  send_.onTick(now, bytesInLwip(pcb));
}

}  // namespace nefia::forwarder
