// `nefia-agent wol --mac <MAC> [--broadcast <IPv4>] [--port <n>]`: wake a machine on the local network.
// Prints what it sent; never retries or sends more than the one packet the user asked for.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace nefia {

// Exit codes: 0 sent, 1 the send failed, 2 a bad --mac/--broadcast/--port (a usage error, as in the CLI).
inline constexpr int kWolExitSent = 0;
inline constexpr int kWolExitSendFailed = 1;
inline constexpr int kWolExitBadArgument = 2;

int runWolCommand(std::string_view mac, const std::string& broadcastAddress, int port, std::ostream& out,
                  std::ostream& err);

}  // namespace nefia
