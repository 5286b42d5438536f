// A peer's UDP address (IPv4 or IPv6) as the socket layer sees it, plus parsing and printing for config and
// status. Never resolves host names: the supervisor resolves them and hands the tunnel numeric addresses.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nefia::wg {

struct UdpEndpoint {
  sockaddr_storage address{};
  socklen_t length = 0;

  // "192.0.2.1:51820" or "[2001:db8::1]:51820"; nullopt for anything else. Both constructors hold an IPv4-mapped
  // IPv6 address (::ffff:a.b.c.d, how the dual-stack socket reports an IPv4 peer) as the plain IPv4 address.
  static std::optional<UdpEndpoint> parse(std::string_view text);
  static UdpEndpoint fromSockaddr(const sockaddr* address, socklen_t length);

  // The one text form of an endpoint (log, status, agent-health.json): "a.b.c.d:port" or "[v6]:port".
  std::string toString() const;
  // Address bytes followed by the big-endian port: the input of a cookie (so a cookie is bound to the source).
  std::size_t identityBytes(uint8_t out[18]) const;
  bool operator==(const UdpEndpoint& other) const;
};

}  // namespace nefia::wg
