// ConnectionBuffers: applies buffer autotuning (buffer_tuning.h) to one lwIP connection: its receive window
// limit (tcp_set_rcv_wnd_max, lwip_patches/0008) and how much of the local socket's data lwIP may hold.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lwip/tcp.h"
#include "workers/forwarder/buffer_tuning.h"

namespace nefia::forwarder {

class ConnectionBuffers {
 public:
  explicit ConnectionBuffers(BufferBudget& budget = sharedBufferBudget());

  // The local socket took `bytes` (already returned to lwIP with tcp_recved).
  void delivered(struct tcp_pcb* pcb, std::size_t bytes);
  // How many more bytes lwIP may take from the local socket now (sent-but-unacknowledged plus unsent data
  // stays within the tuned send limit).
  std::size_t sendRoom(const struct tcp_pcb* pcb);
  // From the poll timer: idle connections fall back to the initial sizes. `held` is what the relay holds
  // of received data not yet taken by the local socket.
  void tick(struct tcp_pcb* pcb, std::size_t held);

  const BufferTuner& receive() const { return receive_; }
  const BufferTuner& send() const { return send_; }

 private:
  // The receiver's RTT estimate (Linux's tcp_rcv_rtt_measure without timestamps): the time until the data at
  // the right edge offered at some moment arrives is at least one RTT, and about one while the window limits
  // the sender; the smallest such time is the estimate. 0 until the first sample.
  uint32_t receiverRttMs(const struct tcp_pcb* pcb, uint32_t nowMs);

  BufferTuner receive_;
  BufferTuner send_;
  bool edgeMarked_ = false;
  u32_t markedEdge_ = 0;
  uint32_t markedAtMs_ = 0;
  uint32_t receiverRttMs_ = 0;
};

}  // namespace nefia::forwarder
