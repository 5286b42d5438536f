// Binds the WireGuard UDP socket on listen_port for the tunnel worker, which may not create sockets.
// Dual-stack (IPv6 socket with IPV6_V6ONLY off) when the host has IPv6, IPv4 otherwise.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nefia::supervisor {

Result<UniqueFd> bindWireGuardSocket(uint16_t listenPort);

}  // namespace nefia::supervisor
