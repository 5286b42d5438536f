// The error queue is cleared before every SSL call (OpenSSL's rule for SSL_get_error) and read right after a
// failure, so the alert a busy hub sends is told apart from other handshake failures.
#include "supervisor/enroll/tls_deadline.h"

#include <openssl/err.h>
#include <poll.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace nefia::enroll {
namespace {

std::string endOfConnection(int sslError, int savedErrno) {
  if (sslError == SSL_ERROR_ZERO_RETURN || savedErrno == 0) return "the hub closed the connection";
  return std::string("the connection failed: ") + std::strerror(savedErrno);
}

TlsStep failure(int sslError, int savedErrno) {
  const unsigned long code = ERR_peek_error();
  if (code != 0 && ERR_GET_REASON(code) == SSL_R_TLSV1_ALERT_ACCESS_DENIED) {
    ERR_clear_error();
    return {TlsOutcome::kRefusedBusy, "the hub refused the connection (TLS alert access_denied)"};
  }
  if (code == 0) return {TlsOutcome::kFailed, endOfConnection(sslError, savedErrno)};
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  ERR_clear_error();
  return {TlsOutcome::kFailed, text.data()};
}

}  // namespace

TlsStep runUntil(SSL* ssl, int fd, Deadline deadline, const std::function<int()>& call) {
  while (true) {
    ERR_clear_error();
    errno = 0;
    const int result = call();
    const int savedErrno = errno;
    if (result == 1) return {};
    const int error = SSL_get_error(ssl, result);
    short events = 0;
    if (error == SSL_ERROR_WANT_READ) {
      events = POLLIN;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      events = POLLOUT;
    } else {
      return failure(error, savedErrno);
    }
    while (true) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {TlsOutcome::kDeadline, ""};
      pollfd entry{fd, events, 0};
      const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
      if (ready > 0) break;
      if (ready < 0 && errno != EINTR) return {TlsOutcome::kFailed, std::string("poll: ") + std::strerror(errno)};
    }
  }
}

TlsStep writeAllUntil(SSL* ssl, int fd, Deadline deadline, std::string_view data) {
  while (!data.empty()) {
    std::size_t written = 0;
    TlsStep step = runUntil(ssl, fd, deadline, [&] { return SSL_write_ex(ssl, data.data(), data.size(), &written); });
    if (step.outcome != TlsOutcome::kDone) return step;
    data.remove_prefix(written);
  }
  return {};
}

TlsStep readExactlyUntil(SSL* ssl, int fd, Deadline deadline, void* data, std::size_t size) {
  auto* cursor = static_cast<char*>(data);
  while (size > 0) {
    std::size_t got = 0;
    TlsStep step = runUntil(ssl, fd, deadline, [&] { return SSL_read_ex(ssl, cursor, size, &got); });
    if (step.outcome != TlsOutcome::kDone) return step;
    cursor += got;
    size -= got;
  }
  return {};
}

}  // namespace nefia::enroll
