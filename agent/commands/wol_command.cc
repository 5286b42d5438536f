// runWolCommand: parse the MAC, send one magic packet, say what was sent or why not.
// Never sends anything when an argument is invalid.
#include "agent/commands/wol_command.h"

#include "common/wol/magic_packet.h"

namespace nefia {

int runWolCommand(std::string_view mac, const std::string& broadcastAddress, int port, std::ostream& out,
                  std::ostream& err) {
  Result<MacAddress> address = parseMacAddress(mac);
  if (!address.ok()) {
    err << "nefia-agent wol: " << address.error() << "\n";
    return kWolExitBadArgument;
  }
  if (Status valid = validateWolDestination(broadcastAddress, port); !valid.ok()) {
    err << "nefia-agent wol: " << valid.error() << "\n";
    return kWolExitBadArgument;
  }
  Status status = sendMagicPacket(address.value(), broadcastAddress, port);
  if (!status.ok()) {
    err << "nefia-agent wol: " << status.error() << "\n";
    return kWolExitSendFailed;
  }
  out << "Sent Wake-on-LAN magic packet for " << toString(address.value()) << " to " << broadcastAddress << ":"
      << port << " (" << kMagicPacketSize << " bytes)\n";
  return kWolExitSent;
}

}  // namespace nefia
