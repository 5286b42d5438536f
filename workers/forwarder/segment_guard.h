// SegmentGuard: drops inbound TCP segments that lwIP 2.1.3 would turn into an assertion (abort) instead of
// rejecting: a segment whose sequence number is about 2^31 away from rcv_nxt makes tcp_receive's
// wrap-around window check pass and then fail "insane offset!" (found by fuzz/forwarder).
// Never drops a segment lwIP could legitimately use: the cut-off (2^30) is a thousand windows away.
#pragma once

#include <cstdint>
#include <span>

namespace nefia::forwarder {

// True when `packet` (a whole IPv4 or IPv6 packet) is a TCP segment for an existing lwIP connection whose
// sequence number lies so far outside the receive window that lwIP must not see it.
bool isSegmentFarOutsideWindow(std::span<const uint8_t> packet);

}  // namespace nefia::forwarder
