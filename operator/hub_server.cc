// The hub's start-up: secret, TLS identity and context (TLS 1.3), state check, fd budget,
// listener; then the event loop (hub_loop) until stop. Start-up problems are errors; nothing a client sends is.
#include "operator/hub_server.h"

#include <unistd.h>

#include "common/invite/tls_channel.h"
#include "common/log.h"
#include "operator/enrollment_service.h"
#include "operator/hub_loop.h"
#include "operator/hub_socket.h"

namespace nefia::hub {
namespace {

constexpr std::string_view kComponent = "hub";

class ListenerCloser {
 public:
  explicit ListenerCloser(int fd) : fd_(fd) {}
  ~ListenerCloser() { ::close(fd_); }
  ListenerCloser(const ListenerCloser&) = delete;
  ListenerCloser& operator=(const ListenerCloser&) = delete;

 private:
  int fd_;
};

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

  HubServerSettings effective = settings;
  effective.connections.maxConnections = fitConnectionsToFdLimit(settings.connections.maxConnections);
  if (effective.connections.maxConnections < settings.connections.maxConnections) {
    logWarn(kComponent, "the open-files limit allows only ", effective.connections.maxConnections,
            " connections instead of ", settings.connections.maxConnections, "; raise it with ulimit -n or LimitNOFILE=");
  }
  Result<int> listening = listenOn(settings.listenAddress);
  if (!listening.ok()) return makeError(listening.error());
  ListenerCloser listener(listening.value());
  EnrollmentService service(files, secret.value(), wireguard);
  HubLoop loop(listening.value(), context->get(), service, effective);
  logInfo(kComponent, "enrollment hub listening on ", settings.listenAddress, " (TLS 1.3, certificate sha256 ",
          invite::certificatePemSha256(identity->certificatePem).value(), "; at most ",
          effective.connections.maxConnections, " connections, ", effective.connections.maxPerAddress,
          " per address, ", effective.connections.deadline.count(), " ms each)");
  loop.run(stop);
  logInfo(kComponent, "enrollment hub stopped");
  return Status::success();
}

}  // namespace nefia::hub
