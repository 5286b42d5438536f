// The Wake-on-LAN magic packet and sending it as one UDP datagram.
// Sends exactly one datagram to the address it is given; never chooses an address or interface itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/wol/mac_address.h"

namespace nefia {

inline constexpr const char* kDefaultWolBroadcastAddress = "255.255.255.255";
inline constexpr int kDefaultWolPort = 9;  // "discard", the customary Wake-on-LAN port
inline constexpr std::size_t kMagicPacketSize = 6 + 16 * 6;

using MagicPacket = std::array<std::uint8_t, kMagicPacketSize>;

// Six 0xFF bytes followed by the MAC address sixteen times (102 bytes).
MagicPacket buildMagicPacket(const MacAddress& mac);

// Checks the destination arguments without sending: `address` an IPv4 literal, `port` 1-65535.
Status validateWolDestination(const std::string& address, int port);

// Sends the magic packet for `mac` to `address`:`port` over UDP with SO_BROADCAST set.
// `address` must be an IPv4 literal (a broadcast such as 192.0.2.255 or 255.255.255.255, or a unicast one);
// `port` must be 1-65535. Errors say which argument was wrong or why the send failed.
Status sendMagicPacket(const MacAddress& mac, const std::string& address, int port);

}  // namespace nefia
