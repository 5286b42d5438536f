// A one-connection TLS hub on loopback for the enrollment client's tests: it reads one request frame and answers
// with a chosen body under a chosen length header. Never used outside tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "common/invite/enroll_protocol.h"
#include "common/invite/tls_channel.h"

namespace nefia::enroll {

// One-connection TLS server: reads a request frame (recording whether one arrived) and sends answerBody with a
// header announcing announcedBytes.
class FakeHub {
 public:
  FakeHub(std::string answerBody, std::size_t announcedBytes) {
    std::signal(SIGPIPE, SIG_IGN);  // the client may hang up first, as a real agent does on a pin mismatch
    identity_ = invite::createSelfSignedIdentity("fake-hub").value();
    pin_ = invite::certificatePemSha256(identity_.certificatePem).value();
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answerBody, announcedBytes] {
      auto context = invite::makeServerContext(identity_);
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0 || !context.ok()) return;
      invite::SslPtr ssl(SSL_new(context->get()));
      SSL_set_fd(ssl.get(), fd);
      if (SSL_accept(ssl.get()) == 1) {
        Result<std::string> request = invite::readFrame(ssl.get(), invite::kMaxEnrollRequestBytes);
        requestArrived_ = request.ok();
        if (request.ok()) {
          const auto header = invite::frameHeader(announcedBytes);
          std::string message(reinterpret_cast<const char*>(header.data()), header.size());
          message += answerBody;
          std::size_t written = 0;
          SSL_write_ex(ssl.get(), message.data(), message.size(), &written);
        }
      }
      ::close(fd);
    });
  }
  ~FakeHub() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& pin() const { return pin_; }
  bool requestArrived() const { return requestArrived_; }

 private:
  invite::TlsIdentity identity_;
  std::string pin_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> requestArrived_{false};
};

}  // namespace nefia::enroll
