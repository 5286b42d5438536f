// Numeric endpoint parsing/printing with inet_pton/inet_ntop. Must never block (no DNS) and never throw.
#include "workers/tunnel/endpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace nefia::wg {
namespace {

// An IPv4 peer seen through the dual-stack socket arrives as ::ffff:a.b.c.d; hold it as the IPv4 address it is,
// so it prints as "a.b.c.d:port", compares equal to the configured IPv4 endpoint and sends as IPv4 (Linux
// accepts an AF_INET destination on a socket that is not IPV6_V6ONLY).
void unmapIpv4(UdpEndpoint& endpoint) {
  if (endpoint.address.ss_family != AF_INET6 || endpoint.length < sizeof(sockaddr_in6)) return;
  const auto v6 = *reinterpret_cast<const sockaddr_in6*>(&endpoint.address);
  if (!IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) return;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = v6.sin6_port;
  std::memcpy(&v4.sin_addr, v6.sin6_addr.s6_addr + 12, 4);
  endpoint.address = sockaddr_storage{};
  std::memcpy(&endpoint.address, &v4, sizeof v4);
  endpoint.length = sizeof v4;
}

}  // namespace

std::optional<UdpEndpoint> UdpEndpoint::parse(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size()) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view portText = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (error != std::errc() || end != portText.data() + portText.size() || port == 0 || port > 65535) {
    return std::nullopt;
  }
  UdpEndpoint endpoint;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::string address(host.substr(1, host.size() - 2));
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&endpoint.address);
    if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) != 1) return std::nullopt;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    endpoint.length = sizeof(sockaddr_in6);
    unmapIpv4(endpoint);
    return endpoint;
  }
  const std::string address(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&endpoint.address);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) != 1) return std::nullopt;
  v4->sin_family = AF_INET;
  v4->sin_port = htons(static_cast<uint16_t>(port));
  endpoint.length = sizeof(sockaddr_in);
  return endpoint;
}

UdpEndpoint UdpEndpoint::fromSockaddr(const sockaddr* address, socklen_t length) {
  UdpEndpoint endpoint;
  const socklen_t copied = length < sizeof(endpoint.address) ? length : sizeof(endpoint.address);
  std::memcpy(&endpoint.address, address, copied);
  endpoint.length = copied;
  unmapIpv4(endpoint);
  return endpoint;
}

std::string UdpEndpoint::toString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "";
}

std::size_t UdpEndpoint::identityBytes(uint8_t out[18]) const {
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    std::memcpy(out, &v4->sin_addr, 4);
    std::memcpy(out + 4, &v4->sin_port, 2);
    return 6;
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    std::memcpy(out, &v6->sin6_addr, 16);
    std::memcpy(out + 16, &v6->sin6_port, 2);
    return 18;
  }
  return 0;
}

bool UdpEndpoint::operator==(const UdpEndpoint& other) const {
  uint8_t mine[18];
  uint8_t theirs[18];
  const std::size_t size = identityBytes(mine);
  return address.ss_family == other.address.ss_family && size == other.identityBytes(theirs) &&
         std::memcmp(mine, theirs, size) == 0;
}

}  // namespace nefia::wg
