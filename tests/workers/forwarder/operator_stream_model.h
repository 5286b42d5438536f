// Test model of the operator's end of a download: what a Linux receiver holds (cumulative ACK point and SACK
// ranges) and the byte stream it rebuilds by sequence number. Used by loss_recovery_test.cc; no lwIP inside.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/workers/forwarder/packet_builder.h"

namespace nefia::forwarder::testing {

inline constexpr uint8_t kFinFlag = 0x01;

inline bool sequenceBefore(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

// What the operator's kernel holds of the agent's stream: the next byte it expects and the out-of-order
// ranges, the most recently extended first (the order in which Linux reports SACK blocks).
class OperatorReceiver {
 public:
  explicit OperatorReceiver(uint32_t next) : next_(next) {}

  void receive(uint32_t sequence, uint32_t length) {
    uint32_t left = sequence;
    uint32_t right = sequence + length;
    if (!sequenceBefore(next_, right)) return;  // everything in it arrived before
    if (!sequenceBefore(next_, left)) {
      next_ = right;
      // Ranges that the filled hole made contiguous are now cumulatively acknowledged.
      for (bool absorbed = true; absorbed;) {
        absorbed = false;
        for (auto range = ranges_.begin(); range != ranges_.end(); ++range) {
          if (!sequenceBefore(next_, range->first)) {
            if (sequenceBefore(next_, range->second)) next_ = range->second;
            ranges_.erase(range);
            absorbed = true;
            break;
          }
        }
      }
      return;
    }
    for (auto range = ranges_.begin(); range != ranges_.end();) {
      if (!sequenceBefore(right, range->first) && !sequenceBefore(range->second, left)) {
        if (sequenceBefore(range->first, left)) left = range->first;
        if (sequenceBefore(right, range->second)) right = range->second;
        range = ranges_.erase(range);
      } else {
        ++range;
      }
    }
    ranges_.insert(ranges_.begin(), {left, right});
  }
  uint32_t next() const { return next_; }
  // Without timestamps a SACK option has room for 4 blocks.
  std::vector<std::pair<uint32_t, uint32_t>> sackBlocks() const {
    return {ranges_.begin(), ranges_.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(ranges_.size(), 4))};
  }

 private:
  uint32_t next_;
  std::vector<std::pair<uint32_t, uint32_t>> ranges_;
};

// The byte stream the operator's SSH client reads, rebuilt by sequence number from every segment the agent
// sent, and where the FIN came. A byte sent more than once must be the same byte every time.
class ReassembledStream {
 public:
  explicit ReassembledStream(uint32_t first) : first_(first) {}

  // Adds one segment; returns what is wrong with it (empty if nothing).
  std::string add(const ParsedTcp& segment) {
    const uint32_t offset = segment.sequence - first_;
    const std::size_t end = std::size_t{offset} + segment.data.size();
    if (end > kMaxBytes) return "data at stream offset " + std::to_string(offset) + ", far beyond anything written";
    if (bytes_.size() < end) {
      bytes_.resize(end);
      present_.resize(end);
    }
    std::size_t changed = 0;
    for (std::size_t i = 0; i < segment.data.size(); ++i) {
      if (present_[offset + i]) {
        changed += bytes_[offset + i] != segment.data[i] ? 1 : 0;
      } else {
        bytes_[offset + i] = segment.data[i];
        present_[offset + i] = true;
      }
    }
    std::string problems;
    if (changed > 0) {
      problems = std::to_string(changed) + " of the " + std::to_string(segment.data.size()) + " bytes at stream offset " +
                 std::to_string(offset) + " differ from the bytes sent there before";
    }
    if (segment.flags & kFinFlag) {
      if (fin_ && *fin_ != end) problems += " a second FIN, at offset " + std::to_string(end);
      fin_ = end;
    }
    return problems;
  }
  // The bytes from the start of the stream up to the first one that never arrived.
  std::vector<uint8_t> contiguous() const {
    const auto missing = std::find(present_.begin(), present_.end(), false);
    return {bytes_.begin(), bytes_.begin() + (missing - present_.begin())};
  }
  std::optional<std::size_t> fin() const { return fin_; }

 private:
  static constexpr std::size_t kMaxBytes = 16 * 1024 * 1024;
  uint32_t first_;
  std::vector<uint8_t> bytes_;
  std::vector<bool> present_;
  std::optional<std::size_t> fin_;
};

}  // namespace nefia::forwarder::testing
