// Listener set-up, peer addresses, the fd limit and the refusal alert. The alert is a TLS 1.3-conformant plaintext
// record (alerts may precede the handshake); the client's unread ClientHello is drained first so that the close
// sends a FIN, not a reset that could destroy the alert in flight.
#include "operator/hub_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "common/config/net_address.h"

namespace nefia::hub {
namespace {

constexpr int kListenBacklog = 128;
constexpr std::size_t kFdsBesideConnections = 64;  // state files, `wg` pipes, stdio, the listener
// TLS record: type alert (21), legacy version 3.3, length 2, level fatal (2), description access_denied (49).
constexpr std::array<uint8_t, 7> kAccessDeniedAlert{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 49};

}  // namespace

Result<int> listenOn(const std::string& address) {
  Result<HostPort> hostPort = parseHostPort(address);
  if (!hostPort.ok() || !hostPort->isIpLiteral) {
    return makeError("--listen " + address + ": expected ip:port, e.g. 0.0.0.0:19820");
  }
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  if (hostPort->host.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(hostPort->port);
    ::inet_pton(AF_INET6, hostPort->host.c_str(), &v6->sin6_addr);
    length = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(hostPort->port);
    ::inet_pton(AF_INET, hostPort->host.c_str(), &v4->sin_addr);
    length = sizeof(sockaddr_in);
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return makeError(std::string("cannot create the listening socket: ") + std::strerror(errno));
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || ::listen(fd, kListenBacklog) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    return makeError("cannot listen on " + address + ": " + reason + "; is another hub running? pass --listen");
  }
  return fd;
}

std::string peerIp(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      ::inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof text);
    } else {
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    }
  }
  return text;
}

std::size_t fitConnectionsToFdLimit(std::size_t maxConnections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return maxConnections;
  const rlim_t needed = maxConnections + kFdsBesideConnections;
  if (limit.rlim_cur < needed) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur >= needed) return maxConnections;
  return limit.rlim_cur > kFdsBesideConnections * 2 ? limit.rlim_cur - kFdsBesideConnections : kFdsBesideConnections;
}

void refuseAsBusy(int fd) {
  std::array<char, 4096> unread{};
  for (int reads = 0; reads < 4 && ::recv(fd, unread.data(), unread.size(), MSG_DONTWAIT) > 0; ++reads) {
  }
  (void)::send(fd, kAccessDeniedAlert.data(), kAccessDeniedAlert.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace nefia::hub
