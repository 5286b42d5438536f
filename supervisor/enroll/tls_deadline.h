// OpenSSL calls on a non-blocking socket against one absolute deadline: each call is retried when poll says the
// socket is ready, until it completes, fails, or the deadline passes. The enrollment client's only TLS I/O path.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace nefia::enroll {

using Deadline = std::chrono::steady_clock::time_point;

enum class TlsOutcome {
  kDone,
  kFailed,
  kDeadline,
  kRefusedBusy,  // the peer sent the TLS alert access_denied before any handshake: the hub refused the connection
};

struct TlsStep {
  TlsOutcome outcome = TlsOutcome::kDone;
  std::string detail;  // for kFailed: OpenSSL's reason or how the connection ended
};

// Repeats call (an SSL_* function returning 1 on success) until it succeeds, fails, or deadline passes.
TlsStep runUntil(SSL* ssl, int fd, Deadline deadline, const std::function<int()>& call);

TlsStep writeAllUntil(SSL* ssl, int fd, Deadline deadline, std::string_view data);
TlsStep readExactlyUntil(SSL* ssl, int fd, Deadline deadline, void* data, std::size_t size);

}  // namespace nefia::enroll
