// lwIP's congestion-control hooks (lwip_patches/0009, 0010): feed the connection's BbrModel on every ACK and
// set cwnd from it; pace tcp_output with a token bucket and an lwIP timeout when the bucket is empty.
#include "workers/forwarder/congestion_hook.h"

#include <algorithm>
#include <cstdint>

#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

namespace nefia::forwarder {
namespace {

// lwIP's extension argument slot for the control (LWIP_TCP_PCB_NUM_EXT_ARGS 1 in lwipopts.h).
constexpr u8_t kControlSlot = 0;

void onPacingTimeout(void* argument) {
  auto* control = static_cast<CongestionControl*>(argument);
  control->wakeupPending = false;
  if (control->pcb != nullptr) tcp_output(control->pcb);
}

void cancelWakeup(CongestionControl* control) {
  if (control->wakeupPending) sys_untimeout(&onPacingTimeout, control);
  control->wakeupPending = false;
}

// lwIP frees the pcb (closed, reset, aborted): nothing may call tcp_output on it any more.
void onPcbDestroyed(u8_t, void* argument) {
  auto* control = static_cast<CongestionControl*>(argument);
  if (control == nullptr) return;
  cancelWakeup(control);
  control->pcb = nullptr;
}

const struct tcp_ext_arg_callbacks kCallbacks = {&onPcbDestroyed, nullptr};

CongestionControl* controlOf(struct tcp_pcb* pcb) {
  return static_cast<CongestionControl*>(tcp_ext_arg_get(pcb, kControlSlot));
}

}  // namespace

void attachCongestionControl(struct tcp_pcb* pcb, CongestionControl* control) {
  if (CongestionControl* previous = controlOf(pcb); previous != nullptr) {
    cancelWakeup(previous);
    previous->pcb = nullptr;
  }
  if (control != nullptr) control->pcb = pcb;
  tcp_ext_arg_set_callbacks(pcb, kControlSlot, &kCallbacks);
  tcp_ext_arg_set(pcb, kControlSlot, control);
}

}  // namespace nefia::forwarder

// lwIP limits what it sends to cwnd bytes above lastack, SACKed bytes included; the model's window counts
// data in the network, so the hook adds the SACKed bytes (lwip_patches/0011) on top of it, and takes its
// previous addition off lwIP's cwnd before the model sees it.
extern "C" void nefia_tcp_ack_processed(struct tcp_pcb* pcb, unsigned int delivered, unsigned int highest) {
  nefia::forwarder::CongestionControl* control = nefia::forwarder::controlOf(pcb);
  if (control == nullptr) return;
  const bool recovering = (pcb->flags & (TF_INFR | TF_RTO)) != 0;
  const uint32_t previous = control->sackAllowance;
  const uint32_t lwipCwnd = pcb->cwnd > previous ? pcb->cwnd - previous : pcb->cwnd;
  control->model.onAck({sys_now(), delivered, pcb->lastack, pcb->snd_nxt, recovering, pcb->sacked_bytes,
                        highest - pcb->lastack, lwipCwnd});
  const uint32_t modelCwnd = control->model.congestionWindow(lwipCwnd, pcb->mss);
  control->sackAllowance = control->model.hasModel() ? pcb->sacked_bytes : 0;
  const uint64_t cwnd = std::min<uint64_t>(uint64_t{modelCwnd} + control->sackAllowance, UINT32_MAX);
  if (cwnd == pcb->cwnd) return;
  pcb->cwnd = static_cast<tcpwnd_size_t>(cwnd);
  if (pcb->ssthresh < modelCwnd) pcb->ssthresh = modelCwnd;
}

extern "C" int nefia_tcp_pacing_allows(struct tcp_pcb* pcb, unsigned int length) {
  nefia::forwarder::CongestionControl* control = nefia::forwarder::controlOf(pcb);
  if (control == nullptr || length == 0) return 1;
  const uint64_t rate = control->model.pacingRate();
  if (rate == 0) return 1;
  if (control->bucket.take(sys_now(), length, rate)) return 1;
  if (!control->wakeupPending) {
    control->wakeupPending = true;
    sys_timeout(control->bucket.millisecondsUntil(length, rate), &nefia::forwarder::onPacingTimeout, control);
  }
  return 0;
}
