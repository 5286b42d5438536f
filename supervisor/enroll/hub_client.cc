// Non-blocking connect bounded by poll, then a blocking TLS exchange bounded by socket timeouts. The pin is
// compared in constant time against the certificate the server presented in this handshake.
#include "supervisor/enroll/hub_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/config/net_address.h"
#include "common/invite/tls_channel.h"

namespace nefia::enroll {
namespace {

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
    if (ready == 0) return makeError("no answer within " + std::to_string(timeout.count() / 1000) + " s");
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (ready < 0 || error != 0) return makeError(std::strerror(ready < 0 ? errno : error));
  }
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return guard.release();
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

Result<invite::EnrollResponse> exchangeWithHub(int fd, const std::string& address, const std::string& pinnedSha256,
                                               const invite::EnrollRequest& request,
                                               std::chrono::milliseconds timeout) {
  SocketCloser guard(fd);
  timeval value{};
  value.tv_sec = timeout.count() / 1000;
  value.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
  Result<invite::SslContextPtr> context = invite::makeClientContext();
  if (!context.ok()) return makeError(context.error());
  invite::SslPtr ssl(SSL_new(context->get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_connect(ssl.get()) != 1) {
    return makeError("TLS handshake with " + address + " failed: " + invite::lastTlsError() +
                     "; is `nefia vpn hub` running there?");
  }
  const std::string presented = invite::certificateSha256(SSL_get0_peer_certificate(ssl.get()));
  if (presented.size() != pinnedSha256.size() ||
      sodium_memcmp(presented.data(), pinnedSha256.data(), presented.size()) != 0) {
    return makeError("the server at " + address + " presented a TLS certificate that does not match the invite " +
                     "token (sha256 " + presented + "); someone may be intercepting the connection, or the hub's " +
                     "certificate was replaced: ask the operator for a new token");
  }
  if (Status sent = invite::writeFrame(ssl.get(), invite::serializeRequest(request)); !sent.ok()) {
    return makeError("sending the enrollment request to " + address + ": " + sent.error());
  }
  Result<std::string> body = invite::readFrame(ssl.get(), invite::kMaxEnrollResponseBytes);
  if (!body.ok()) return makeError("the operator's answer from " + address + " was rejected: " + body.error());
  Result<invite::EnrollResponse> response = invite::parseResponse(body.value());
  if (!response.ok()) return makeError("the operator's answer from " + address + " was rejected: " + response.error());
  SSL_shutdown(ssl.get());
  return response;
}

}  // namespace nefia::enroll
