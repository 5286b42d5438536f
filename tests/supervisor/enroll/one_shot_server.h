// A one-connection TCP server on loopback for the enrollment client's tests, and the TLS accept the fake hubs
// built on it share. Never used outside tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/invite/tls_channel.h"

namespace nefia::enroll {

// Accepts one TCP connection on loopback and hands it to serve (in a thread); closes it afterwards.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<void(int fd)> serve) {
    std::signal(SIGPIPE, SIG_IGN);  // the client may hang up first, as a real agent does on a pin mismatch
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, serve = std::move(serve)] {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      serve(fd);
      ::close(fd);
    });
  }
  ~OneShotServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// The server side of a TLS handshake on fd as identity; null when the context or the handshake fails.
inline invite::SslPtr acceptTls(const invite::TlsIdentity& identity, int fd) {
  auto context = invite::makeServerContext(identity);
  if (!context.ok()) return nullptr;
  invite::SslPtr ssl(SSL_new(context->get()));
  SSL_set_fd(ssl.get(), fd);
  if (SSL_accept(ssl.get()) != 1) return nullptr;
  return ssl;
}

}  // namespace nefia::enroll
