// Buffer autotuning: each connection's receive window and send buffer grow with its measured
// bandwidth-delay product and fall back when idle, under one memory cap shared by all connections.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nefia::forwarder {

// One cap on the bytes all connections together may hold (receive windows plus send buffers). Every
// connection always gets its initial sizes (the floors); growth beyond them is granted while the cap allows.
class BufferBudget {
 public:
  explicit BufferBudget(std::size_t capBytes) : cap_(capBytes) {}
  BufferBudget(const BufferBudget&) = delete;
  BufferBudget& operator=(const BufferBudget&) = delete;

  // Moves a reservation of `reserved` bytes toward `wanted`; returns the new reservation. Never below
  // `floor` (granted even over the cap), never grows past the cap.
  std::size_t resize(std::size_t reserved, std::size_t wanted, std::size_t floor);
  void release(std::size_t reserved) { used_ -= reserved; }
  std::size_t used() const { return used_; }
  std::size_t cap() const { return cap_; }

 private:
  std::size_t cap_;
  std::size_t used_ = 0;
};

// The forwarder's budget (kBufferBudgetBytes in constants.h); the loop thread is its only user.
BufferBudget& sharedBufferBudget();

struct TuningRange {
  std::size_t initial;  // the size while the connection starts or is idle (the floor)
  std::size_t maximum;
};

// One direction of one connection. Times are milliseconds of lwIP's clock (sys_now).
class BufferTuner {
 public:
  BufferTuner(BufferBudget& budget, TuningRange range);
  ~BufferTuner() { budget_.release(reserved_); }
  BufferTuner(const BufferTuner&) = delete;
  BufferTuner& operator=(const BufferTuner&) = delete;

  // The size in force: lwIP's window limit or the most the send side may hold.
  std::size_t limit() const { return limit_; }
  std::size_t reserved() const { return reserved_; }

  // Receive side: the application took `bytes` at `nowMs`. Once per measurement interval (the smoothed RTT,
  // at least kMinTuningIntervalMs) the bytes taken in it are the delivered bandwidth-delay product; the limit
  // grows to twice that (room for the sender to speed up, as Linux's receive autotuning does).
  void onDelivered(std::size_t bytes, uint32_t nowMs, uint32_t rttMs);
  // Send side: lwIP may have `flightLimit` bytes in flight (min of cwnd and the peer's window) and holds
  // `unsentAllowance` more not yet sent; the limit grows to twice the flight plus that allowance.
  void onSendWindow(std::size_t flightLimit, std::size_t unsentAllowance, uint32_t nowMs);
  // From the connection's poll timer: after kIdleShrinkMs without activity the limit falls back to the
  // initial size. `outstanding` is what the connection may still be sent or holds right now (a window
  // already offered is never retracted): the reservation follows it down, never below the initial size.
  void onTick(uint32_t nowMs, std::size_t outstanding);

  static constexpr uint32_t kMinTuningIntervalMs = 10;
  static constexpr uint32_t kIdleShrinkMs = 1000;

 private:
  void growTo(std::size_t wanted, uint32_t nowMs);

  BufferBudget& budget_;
  TuningRange range_;
  std::size_t limit_;
  std::size_t reserved_;
  uint32_t lastActivityMs_ = 0;
  bool active_ = false;
  uint32_t intervalStartMs_ = 0;
  std::size_t intervalBytes_ = 0;
};

}  // namespace nefia::forwarder
