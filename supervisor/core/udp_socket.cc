// bindWireGuardSocket: non-blocking, close-on-exec UDP socket with large buffers for batched I/O.
// The error names the port and what to do (another agent or wireguard on the same port).
#include "supervisor/core/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace nefia::supervisor {
namespace {

constexpr int kSocketBufferBytes = 4 * 1024 * 1024;

void enlargeBuffers(int fd) {
  // SO_*BUFFORCE works as root and ignores rmem_max; fall back to the capped variant otherwise.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBufferBytes, sizeof kSocketBufferBytes) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBufferBytes, sizeof kSocketBufferBytes);
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBufferBytes, sizeof kSocketBufferBytes) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBufferBytes, sizeof kSocketBufferBytes);
  }
}

}  // namespace

Result<UniqueFd> bindWireGuardSocket(uint16_t listenPort) {
  int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    UniqueFd socket(fd);
    const int off = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_any;
    address.sin6_port = htons(listenPort);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      enlargeBuffers(fd);
      return socket;
    }
    if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL) {
      return makeError("cannot bind UDP port " + std::to_string(listenPort) + " (listen_port): " +
                       std::strerror(errno) + "; is another agent or WireGuard using it? choose another listen_port");
    }
  }
  fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(std::string("cannot create a UDP socket: ") + std::strerror(errno));
  UniqueFd socket(fd);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(listenPort);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return makeError("cannot bind UDP port " + std::to_string(listenPort) + " (listen_port): " +
                     std::strerror(errno) + "; is another agent or WireGuard using it? choose another listen_port");
  }
  enlargeBuffers(fd);
  return socket;
}

}  // namespace nefia::supervisor
