// One direction of the WAN relay: a FIFO ring of datagrams, each with the monotonic time it may leave.
// Capacity is fixed at start; a datagram that finds the ring full is dropped and counted, never queued.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

class DelayLine {
 public:
  static constexpr size_t kSlotBytes = 2048;  // above the veth MTU; datagrams are received into the slots

  explicit DelayLine(size_t capacity) : capacity_(capacity), due_(capacity), length_(capacity),
                                        data_(new uint8_t[capacity * kSlotBytes]) {}  // pages untouched until used

  size_t size() const { return count_; }
  size_t freeSlots() const { return capacity_ - count_; }
  bool empty() const { return count_ == 0; }

  // The i-th free slot after the tail (i < freeSlots()): recvmmsg writes there, then commit() or nothing.
  uint8_t* freeSlot(size_t i) { return slot((head_ + count_ + i) % capacity_); }

  // Appends the datagram received into freeSlot(received_index); datagrams must be committed or skipped
  // in receive order. due_ns never goes below the previous datagram's: jitter delays, it does not reorder.
  void commit(size_t received_index, uint32_t length, int64_t due_ns) {
    size_t target = (head_ + count_) % capacity_;
    uint8_t* from = freeSlot(received_index - committed_in_batch_);
    if (from != slot(target)) std::memmove(slot(target), from, length);
    due_ns = std::max(due_ns, last_due_ns_);
    last_due_ns_ = due_ns;
    due_[target] = due_ns;
    length_[target] = length;
    ++count_;
    ++committed_in_batch_;
  }
  // Called before each receive batch: indexes passed to commit() count from the batch's first slot.
  void beginBatch() { committed_in_batch_ = 0; }

  // The i-th datagram from the head (i < size()).
  int64_t due(size_t i) const { return due_[(head_ + i) % capacity_]; }
  uint8_t* datagram(size_t i) { return slot((head_ + i) % capacity_); }
  uint32_t length(size_t i) const { return length_[(head_ + i) % capacity_]; }

  void pop(size_t n) {
    head_ = (head_ + n) % capacity_;
    count_ -= n;
  }

 private:
  uint8_t* slot(size_t index) { return &data_[index * kSlotBytes]; }

  size_t capacity_;
  size_t head_ = 0;
  size_t count_ = 0;
  size_t committed_in_batch_ = 0;
  int64_t last_due_ns_ = 0;
  std::vector<int64_t> due_;
  std::vector<uint32_t> length_;
  std::unique_ptr<uint8_t[]> data_;
};
