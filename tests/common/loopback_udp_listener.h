// LoopbackUdpListener: a UDP socket on 127.0.0.1 with a kernel-chosen port and a 2 s receive timeout, for
// tests that check what a sender put on the wire without ever sending off the host.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace nefia::test {

// A UDP socket on 127.0.0.1 with a kernel-chosen port and a 2 s receive timeout.
class LoopbackUdpListener {
 public:
  LoopbackUdpListener() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{2, 0};
    socklen_t length = sizeof address;
    ok_ = fd_ >= 0 && ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0 &&
          ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
          ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackUdpListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  int port() const { return port_; }
  // The next datagram (up to 2 KiB), or an empty vector after the timeout.
  std::vector<std::uint8_t> receive() {
    std::vector<std::uint8_t> buffer(2048);
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    buffer.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buffer;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  bool ok_ = false;
};

}  // namespace nefia::test
