// The hub's accept loop: poll, accept, rate-limit, TLS handshake, one framed request, one framed answer, close.
// Garbage (not TLS, oversized or malformed frames) ends that connection only; nothing a client sends can stop the
// loop. Every socket has send/receive timeouts so no read blocks forever.
#include "operator/hub_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/config/net_address.h"
#include "common/invite/enroll_errors.h"
#include "common/invite/enroll_protocol.h"
#include "common/invite/tls_channel.h"
#include "common/log.h"
#include "operator/enrollment_service.h"

namespace nefia::hub {
namespace {

constexpr std::string_view kComponent = "hub";

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

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
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(std::string("cannot create the listening socket: ") + std::strerror(errno));
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || ::listen(fd, 64) != 0) {
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

void setTimeouts(int fd, std::chrono::seconds timeout) {
  timeval value{};
  value.tv_sec = timeout.count();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
}

void serveConnection(int fd, const std::string& source, bool limited, SSL_CTX* context, EnrollmentService& service) {
  invite::SslPtr ssl(SSL_new(context));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
    logDebug(kComponent, "TLS handshake with ", source, " failed: ", invite::lastTlsError());
    return;
  }
  Result<std::string> body = invite::readFrame(ssl.get(), invite::kMaxEnrollRequestBytes);
  invite::EnrollResponse response;
  if (limited) {
    logWarn(kComponent, "rate limit: refused enrollment request from ", source);
    response.error = std::string(invite::kErrorRateLimited);
  } else if (!body.ok()) {
    logWarn(kComponent, "unreadable enrollment request from ", source, ": ", body.error());
    response.error = std::string(invite::kErrorValidationFailed);
  } else if (Result<invite::EnrollRequest> request = invite::parseRequest(body.value()); !request.ok()) {
    logWarn(kComponent, "malformed enrollment request from ", source, ": ", request.error());
    response.error = std::string(invite::kErrorValidationFailed);
  } else {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    response = service.enroll(request.value(), source, now.count());
  }
  if (Status written = invite::writeFrame(ssl.get(), invite::serializeResponse(response)); !written.ok()) {
    logWarn(kComponent, "could not answer ", source, ": ", written.error());
    return;
  }
  SSL_shutdown(ssl.get());
}

void restoreMissing(EnrollmentService& service) {
  Result<int> restored = service.restorePeers();
  if (!restored.ok()) {
    logWarn(kComponent, "restoring WireGuard peers failed: ", restored.error());
  } else if (restored.value() > 0) {
    logInfo(kComponent, "restored ", restored.value(), " WireGuard peer(s) on the operator's interface");
  }
}

}  // namespace

Status runHub(const HubFiles& files, WireGuardControl& wireguard, const HubServerSettings& settings,
              const std::atomic<bool>& stop) {
  Result<Key32> secret = files.loadOrCreateSecret();
  if (!secret.ok()) return makeError(secret.error());
  Result<invite::TlsIdentity> identity = files.loadOrCreateIdentity();
  if (!identity.ok()) return makeError(identity.error());
  Result<invite::SslContextPtr> context = invite::makeServerContext(identity.value());
  if (!context.ok()) return makeError(context.error());
  if (Result<HubState> state = files.loadState(); !state.ok()) return makeError(state.error());
  Result<int> listening = listenOn(settings.listenAddress);
  if (!listening.ok()) return makeError(listening.error());
  Fd listener(listening.value());
  EnrollmentService service(files, secret.value(), wireguard);
  RateLimiter limiter(settings.rateLimit);
  restoreMissing(service);
  logInfo(kComponent, "enrollment hub listening on ", settings.listenAddress, " (TLS 1.3, certificate sha256 ",
          invite::certificatePemSha256(identity->certificatePem).value(), ")");
  auto nextRestore = std::chrono::steady_clock::now() + settings.restoreInterval;
  while (!stop.load()) {
    pollfd entry{listener.get(), POLLIN, 0};
    const int ready = ::poll(&entry, 1, 1000);
    if (std::chrono::steady_clock::now() >= nextRestore) {
      restoreMissing(service);
      nextRestore = std::chrono::steady_clock::now() + settings.restoreInterval;
    }
    if (ready <= 0) continue;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    Fd connection(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC));
    if (connection.get() < 0) continue;
    setTimeouts(connection.get(), settings.ioTimeout);
    const std::string source = peerIp(address);
    const bool limited = !limiter.allow(source, std::chrono::steady_clock::now());
    serveConnection(connection.get(), source, limited, context->get(), service);
  }
  logInfo(kComponent, "enrollment hub stopped");
  return Status::success();
}

}  // namespace nefia::hub
