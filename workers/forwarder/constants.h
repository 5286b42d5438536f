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
// Packets moved per recvmmsg/sendmmsg call on the tunnel's packet socket.
inline constexpr std::size_t kPacketBatch = 64;
// Outbound packets held while the tunnel worker is slow or restarting; beyond that they are dropped
// and lwIP retransmits.
inline constexpr std::size_t kMaxQueuedOutboundPackets = 512;
// Bytes read from the local SSH socket at once (and the most held outside lwIP's send buffer).
inline constexpr std::size_t kLocalReadChunk = 64 * 1024;

}  // namespace nefia::forwarder
