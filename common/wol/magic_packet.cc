// buildMagicPacket and sendMagicPacket (one UDP datagram, SO_BROADCAST).
// Never resolves host names: a Wake-on-LAN target is always given as an IPv4 address.
#include "common/wol/magic_packet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nefia {

MagicPacket buildMagicPacket(const MacAddress& mac) {
  MagicPacket packet;
  std::size_t at = 0;
  for (int index = 0; index < 6; ++index) packet[at++] = 0xff;
  for (int repetition = 0; repetition < 16; ++repetition) {
    for (std::uint8_t byte : mac.bytes) packet[at++] = byte;
  }
  return packet;
}

Status validateWolDestination(const std::string& address, int port) {
  in_addr parsed{};
  if (::inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
    return makeError("--broadcast: \"" + address +
                     "\" is not an IPv4 address; give a dotted quad such as 255.255.255.255 or 192.0.2.255");
  }
  if (port < 1 || port > 65535) {
    return makeError("--port: " + std::to_string(port) + " is not a UDP port; give 1-65535 (default 9)");
  }
  return Status::success();
}

Status sendMagicPacket(const MacAddress& mac, const std::string& address, int port) {
  if (Status valid = validateWolDestination(address, port); !valid.ok()) return valid;
  sockaddr_in destination{};
  destination.sin_family = AF_INET;
  ::inet_pton(AF_INET, address.c_str(), &destination.sin_addr);
  destination.sin_port = htons(static_cast<std::uint16_t>(port));

  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(std::string("cannot create a UDP socket: ") + std::strerror(errno));
  const int enable = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &enable, sizeof enable) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    return makeError("cannot enable broadcast on the UDP socket: " + reason);
  }
  const MagicPacket packet = buildMagicPacket(mac);
  ssize_t sent = -1;
  do {
    sent = ::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&destination),
                    sizeof destination);
  } while (sent < 0 && errno == EINTR);
  const std::string reason = sent < 0 ? std::strerror(errno) : "";
  ::close(fd);
  if (sent < 0) {
    return makeError("cannot send the magic packet to " + address + ":" + std::to_string(port) + ": " + reason +
                     "; check that this host has a route to that network (or pass --broadcast with the "
                     "subnet's broadcast address)");
  }
  if (static_cast<std::size_t>(sent) != packet.size()) {
    return makeError("sent only " + std::to_string(sent) + " of " + std::to_string(packet.size()) +
                     " bytes of the magic packet to " + address + ":" + std::to_string(port));
  }
  return Status::success();
}

}  // namespace nefia
