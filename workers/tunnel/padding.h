// How long a transport message's plaintext is after WireGuard's padding: up to a multiple of 16, but never past
// the tunnel MTU (as wireguard-go and the kernel do), so a full-size packet still fits the outer path's MTU.
#pragma once

#include <cstddef>

namespace nefia::wg {

// paddedPlaintextSize(1420, 1420) == 1420 (not 1424: 1424 + 32 bytes of WireGuard + 48 of UDP/IPv6 is 1504, one
// datagram over a 1500-byte link); paddedPlaintextSize(1, 1420) == 16; 0 stays 0 (a keepalive).
std::size_t paddedPlaintextSize(std::size_t packetSize, std::size_t mtu);

}  // namespace nefia::wg
