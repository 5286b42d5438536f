// Non-blocking connect bounded by poll, then the TLS exchange on the still non-blocking socket against one absolute
// deadline (tls_deadline). The pin is compared in constant time against the certificate of this handshake.
#include "supervisor/enroll/hub_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/config/net_address.h"
#include "common/invite/tls_channel.h"
#include "supervisor/enroll/tls_deadline.h"

namespace nefia::enroll {
namespace {

std::string secondsText(std::chrono::milliseconds duration) {
  const auto count = duration.count();
  return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

class SocketCloser {
 public:
  explicit SocketCloser(int fd) : fd_(fd) {}
  ~SocketCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  SocketCloser(const SocketCloser&) = delete;
  SocketCloser& operator=(const SocketCloser&) = delete;
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Result<int> connectOne(const addrinfo& candidate, std::chrono::milliseconds timeout) {
  const int fd = ::socket(candidate.ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  SocketCloser guard(fd);
  if (fd < 0) return makeError(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, candidate.ai_addr, candidate.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return makeError(std::strerror(errno));
    pollfd entry{fd, POLLOUT, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
    if (ready == 0) return makeError("no TCP connection within the " + secondsText(timeout) + " connect deadline");
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (ready < 0 || error != 0) return makeError(std::strerror(ready < 0 ? errno : error));
  }
  return guard.release();
}

// One answer frame; an empty error text means the deadline passed.
Result<std::string> readAnswer(SSL* ssl, int fd, Deadline deadline) {
  std::array<uint8_t, invite::kFrameHeaderBytes> header{};
  const auto problem = [](const TlsStep& step) {
    return makeError(step.outcome == TlsOutcome::kDeadline ? std::string() : "TLS read failed: " + step.detail);
  };
  if (TlsStep step = readExactlyUntil(ssl, fd, deadline, header.data(), header.size());
      step.outcome != TlsOutcome::kDone) {
    return problem(step);
  }
  Result<std::size_t> length = invite::frameLength(header, invite::kMaxEnrollResponseBytes);
  if (!length.ok()) return makeError(length.error());
  std::string body(length.value(), '\0');
  if (TlsStep step = readExactlyUntil(ssl, fd, deadline, body.data(), body.size()); step.outcome != TlsOutcome::kDone) {
    return problem(step);
  }
  return body;
}

}  // namespace

Result<int> connectToHub(const std::string& address, std::chrono::milliseconds timeout) {
  Result<HostPort> hostPort = parseHostPort(address);
  if (!hostPort.ok()) return makeError(address + " is not host:port");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = hostPort->isIpLiteral ? AI_NUMERICHOST : 0;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(hostPort->port);
  const int resolved = ::getaddrinfo(hostPort->host.c_str(), port.c_str(), &hints, &found);
  if (resolved != 0) return makeError("cannot resolve " + hostPort->host + ": " + ::gai_strerror(resolved));
  std::string lastError = "no address";
  for (const addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    Result<int> connected = connectOne(*candidate, timeout);
    if (connected.ok()) {
      ::freeaddrinfo(found);
      return connected;
    }
    lastError = connected.error();
  }
  ::freeaddrinfo(found);
  return makeError(lastError);
}

HubExchange exchangeWithHub(int fd, const std::string& address, const std::string& pinnedSha256,
                            const invite::EnrollRequest& request, std::chrono::milliseconds timeout) {
  SocketCloser guard(fd);
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  const std::string within = "within the " + secondsText(timeout) +
                             " enrollment deadline (TLS handshake, request and answer together)";
  const auto failed = [](std::string message, bool retryCanSucceed = true) {
    return HubExchange{makeError(std::move(message)), retryCanSucceed};
  };
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  Result<invite::SslContextPtr> context = invite::makeClientContext();
  if (!context.ok()) return failed(context.error());
  invite::SslPtr ssl(SSL_new(context->get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return failed("cannot create the TLS state: " + invite::lastTlsError());
  const TlsStep handshake = runUntil(ssl.get(), fd, deadline, [&] { return SSL_connect(ssl.get()); });
  if (handshake.outcome == TlsOutcome::kRefusedBusy) {
    return failed("the hub at " + address + " is busy: it refused the connection because it already holds its " +
                  "maximum number of connections, or too many from this address; wait a minute and retry");
  }
  if (handshake.outcome == TlsOutcome::kDeadline) {
    return failed("the TLS handshake with " + address + " did not finish " + within +
                  "; the hub may be overloaded, or another service answers on that port");
  }
  if (handshake.outcome == TlsOutcome::kFailed) {
    return failed("TLS handshake with " + address + " failed: " + handshake.detail +
                  "; is `nefia vpn hub` running there?");
  }
  const std::string presented = invite::certificateSha256(SSL_get0_peer_certificate(ssl.get()));
  if (presented.size() != pinnedSha256.size() ||
      sodium_memcmp(presented.data(), pinnedSha256.data(), presented.size()) != 0) {
    return failed("the server at " + address + " presented a TLS certificate that does not match the invite " +
                  "token (sha256 " + presented + "); someone may be intercepting the connection, or the hub's " +
                  "certificate was replaced: ask the operator for a new token", false);
  }
  const std::string body = invite::serializeRequest(request);
  const auto header = invite::frameHeader(body.size());
  const std::string frame = std::string(reinterpret_cast<const char*>(header.data()), header.size()) + body;
  if (TlsStep sent = writeAllUntil(ssl.get(), fd, deadline, frame); sent.outcome != TlsOutcome::kDone) {
    return failed("sending the enrollment request to " + address +
                  (sent.outcome == TlsOutcome::kDeadline ? " did not finish " + within : " failed: " + sent.detail));
  }
  Result<std::string> answer = readAnswer(ssl.get(), fd, deadline);
  if (!answer.ok()) {
    if (answer.error().empty()) return failed("no complete answer from the hub at " + address + " arrived " + within);
    return failed("the operator's answer from " + address + " was rejected: " + answer.error());
  }
  Result<invite::EnrollResponse> response = invite::parseResponse(answer.value());
  if (!response.ok()) return failed("the operator's answer from " + address + " was rejected: " + response.error());
  ERR_clear_error();
  SSL_shutdown(ssl.get());
  return HubExchange{std::move(response), true};
}

}  // namespace nefia::enroll
