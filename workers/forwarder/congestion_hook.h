// The hooks lwIP calls for congestion control (lwip_patches/0009 after every ACK, 0010 before each segment
// tcp_output sends): a connection's BBR-style model sets its cwnd and paces it. Included by lwipopts.h.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

struct tcp_pcb;
/* Called by tcp_receive once per ACK, after lwIP's own cwnd update; delivered: bytes it acknowledged or
   newly reported in SACK blocks; highest: the highest sequence the peer holds (lastack without SACK). */
void nefia_tcp_ack_processed(struct tcp_pcb* pcb, unsigned int delivered, unsigned int highest);
/* Called by tcp_output before it sends a segment of `length` bytes: 0 holds it back (and arms a timeout
   that calls tcp_output again when the pacer allows it). */
int nefia_tcp_pacing_allows(struct tcp_pcb* pcb, unsigned int length);

#ifdef __cplusplus
}

#include "workers/forwarder/bbr_model.h"
#include "workers/forwarder/token_bucket.h"

namespace nefia::forwarder {

// One connection's congestion control: its model, its pacer and the pacing timeout's state.
struct CongestionControl {
  BbrModel model;
  TokenBucket bucket;
  struct tcp_pcb* pcb = nullptr;  // set while attached
  bool wakeupPending = false;     // an lwIP timeout will call tcp_output
  uint32_t sackAllowance = 0;     // SACKed bytes the hook last added to cwnd on top of the model's window
};

// Hangs `control` on `pcb`; nullptr detaches what hangs there (its pacing timeout is cancelled; the pcb
// then keeps lwIP's own congestion control). lwIP freeing the pcb detaches it too. The caller keeps
// `control` alive while attached.
void attachCongestionControl(struct tcp_pcb* pcb, CongestionControl* control);

}  // namespace nefia::forwarder
#endif
