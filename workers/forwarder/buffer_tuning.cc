// Buffer autotuning arithmetic (no lwIP here: connection_buffers.cc applies it to a tcp_pcb).
// Must keep BufferBudget::used() equal to the sum of every live tuner's reservation.
#include "workers/forwarder/buffer_tuning.h"

#include <algorithm>

#include "workers/forwarder/constants.h"

namespace nefia::forwarder {

std::size_t BufferBudget::resize(std::size_t reserved, std::size_t wanted, std::size_t floor) {
  wanted = std::max(wanted, floor);
  if (wanted <= reserved) {
    used_ -= reserved - wanted;
    return wanted;
  }
  const std::size_t othersAndMine = used_;
  const std::size_t room = othersAndMine >= cap_ ? 0 : cap_ - othersAndMine;
  std::size_t granted = std::min(wanted, reserved + room);
  granted = std::max(granted, floor);
  used_ += granted - reserved;
  return granted;
}

BufferBudget& sharedBufferBudget() {
  static BufferBudget budget(kBufferBudgetBytes);
  return budget;
}

BufferTuner::BufferTuner(BufferBudget& budget, TuningRange range)
    : budget_(budget), range_(range), limit_(range.initial), reserved_(budget.resize(0, range.initial, range.initial)) {}

void BufferTuner::growTo(std::size_t wanted, uint32_t nowMs) {
  lastActivityMs_ = nowMs;
  active_ = true;
  wanted = std::min(wanted, range_.maximum);
  if (wanted <= limit_) return;
  reserved_ = budget_.resize(reserved_, std::max(wanted, reserved_), range_.initial);
  limit_ = std::max(limit_, std::min(wanted, reserved_));
}

void BufferTuner::onDelivered(std::size_t bytes, uint32_t nowMs, uint32_t rttMs) {
  if (!active_) {
    intervalStartMs_ = nowMs;
    intervalBytes_ = 0;
  }
  intervalBytes_ += bytes;
  lastActivityMs_ = nowMs;
  active_ = true;
  const uint32_t interval = std::max(rttMs, kMinTuningIntervalMs);
  const uint32_t elapsed = nowMs - intervalStartMs_;
  if (elapsed < interval) return;
  // The delivery rate times the RTT, also when deliveries paused for longer than one RTT.
  const std::size_t measured = intervalBytes_ * interval / elapsed;
  intervalBytes_ = 0;
  intervalStartMs_ = nowMs;
  growTo(2 * measured, nowMs);
}

void BufferTuner::onSendWindow(std::size_t flightLimit, std::size_t unsentAllowance, uint32_t nowMs) {
  growTo(2 * flightLimit + unsentAllowance, nowMs);
}

void BufferTuner::onTick(uint32_t nowMs, std::size_t outstanding) {
  if (active_ && static_cast<uint32_t>(nowMs - lastActivityMs_) >= kIdleShrinkMs) {
    active_ = false;
    limit_ = range_.initial;
    intervalBytes_ = 0;
  }
  if (reserved_ > limit_) {
    reserved_ = budget_.resize(reserved_, std::max(limit_, outstanding), range_.initial);
  }
}

}  // namespace nefia::forwarder
