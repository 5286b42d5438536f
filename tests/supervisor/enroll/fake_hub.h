// A one-connection TLS hub on loopback for the enrollment client's tests: it reads one request frame and answers
// with a chosen body under a chosen length header. Never used outside tests.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "common/invite/enroll_protocol.h"
#include "common/invite/tls_channel.h"
#include "tests/supervisor/enroll/one_shot_server.h"

namespace nefia::enroll {

// One-connection TLS server: reads a request frame (recording whether one arrived) and sends answerBody with a
// header announcing announcedBytes.
class FakeHub {
 public:
  FakeHub(std::string answerBody, std::size_t announcedBytes)
      : identity_(invite::createSelfSignedIdentity("fake-hub").value()),
        pin_(invite::certificatePemSha256(identity_.certificatePem).value()),
        server_([this, answerBody = std::move(answerBody), announcedBytes](int fd) {
          invite::SslPtr ssl = acceptTls(identity_, fd);
          if (!ssl) return;
          Result<std::string> request = invite::readFrame(ssl.get(), invite::kMaxEnrollRequestBytes);
          requestArrived_ = request.ok();
          if (!request.ok()) return;
          const auto header = invite::frameHeader(announcedBytes);
          std::string message(reinterpret_cast<const char*>(header.data()), header.size());
          message += answerBody;
          std::size_t written = 0;
          SSL_write_ex(ssl.get(), message.data(), message.size(), &written);
        }) {}
  std::string address() const { return server_.address(); }
  const std::string& pin() const { return pin_; }
  bool requestArrived() const { return requestArrived_; }

 private:
  invite::TlsIdentity identity_;
  std::string pin_;
  std::atomic<bool> requestArrived_{false};
  OneShotServer server_;  // last: its thread uses the members above, and its destructor joins it first
};

}  // namespace nefia::enroll
