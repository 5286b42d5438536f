// The wire between an agent and the operator's reactor (issue 15): newline-delimited JSON. The agent sends
// one beacon event per line; the reactor answers {"ack": SEQ} once SEQ and everything before it is stored.
// Both directions are untrusted bytes: lines are bounded, parsers strict. The transport itself comes later.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ipc/beacon_payloads.h"

namespace nefia::ipc {

// An event line is at most ~2 KiB (kMaxBeaconMessageBytes of message plus fields); anything longer is not ours.
inline constexpr std::size_t kMaxReactorLineBytes = 8 * 1024;

struct ReactorAck {
  uint64_t sequence = 0;
  bool operator==(const ReactorAck&) const = default;
};

// One event as one line, "\n" included.
std::string encodeEventLine(const BeaconEvent& event);
std::string encodeAckLine(const ReactorAck& ack);
// One line without its "\n".
Result<BeaconEvent> parseEventLine(std::string_view line);
Result<ReactorAck> parseAckLine(std::string_view line);

// Splits a byte stream into lines. A line longer than kMaxReactorLineBytes (or a NUL byte) poisons the
// stream: the peer is broken or hostile, and the connection must be closed.
class NdjsonLineReader {
 public:
  // The complete lines in `bytes` (after what came before), without their "\n"; an error once poisoned.
  Result<std::vector<std::string>> feed(std::string_view bytes);
  std::size_t buffered() const { return partial_.size(); }

 private:
  std::string partial_;
  bool poisoned_ = false;
};

}  // namespace nefia::ipc
