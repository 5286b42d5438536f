// The forwarder's fixed limits and defaults, from the product reference (maxAgentConns, drainTimeout,
// defaultMTU). Only constants live here: never behaviour, never values read from config.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace nefia::forwarder {

// Concurrent forwarded connections; the next one is reset with one log line.
inline constexpr std::size_t kMaxAgentConnections = 100;
// How long a graceful shutdown waits for active connections before closing them.
inline constexpr std::chrono::milliseconds kDrainTimeout = std::chrono::seconds(30);
// MTU of the netstack's interface (WireGuard's 1420 leaves room for its 80 bytes over a 1500 link).
inline constexpr uint16_t kDefaultMtu = 1420;
// The TCP port on the VPN address that is forwarded to ssh_addr.
inline constexpr uint16_t kDefaultListenPort = 22;
// Bytes read from the local SSH socket at once (and the most held outside lwIP's send buffer).
inline constexpr std::size_t kLocalReadChunk = 64 * 1024;
// Buffer autotuning (buffer_tuning.h). Each connection starts with these receive window and send buffer
// sizes (TCP_WND in lwipopts.h is the initial window), grows each with its measured bandwidth-delay product up
// to the maximum (8 MiB: TCP_RCV_SCALE 7 allows 0xffff << 7) and falls back after a second without traffic.
inline constexpr std::size_t kInitialReceiveWindow = 256 * 1024;
inline constexpr std::size_t kMaxReceiveWindow = 8 * 1024 * 1024;
inline constexpr std::size_t kInitialSendLimit = 256 * 1024;
inline constexpr std::size_t kMaxSendLimit = 8 * 1024 * 1024;
// One cap on all connections' receive windows and send buffers together. The initial sizes of the 100
// connections (50 MiB) always fit; growth beyond them is granted while the total stays within the cap.
inline constexpr std::size_t kBufferBudgetBytes = 64 * 1024 * 1024;
// lwIP holds at most this much of the local socket's data not yet sent (see relay_connection.cc).
inline constexpr std::size_t kMaxUnsentBytes = 128 * 1024;

}  // namespace nefia::forwarder
