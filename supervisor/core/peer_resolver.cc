// PeerResolver: one uv_getaddrinfo request and one retry timer per endpoint name, with doubling back-off.
// A request outlives a forgotten name (libuv needs its memory until the callback): it is cancelled and freed there.
#include "supervisor/core/peer_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>

#include "common/config/net_address.h"
#include "common/log.h"

namespace nefia::supervisor {
namespace {
constexpr const char* kComponent = "supervisor";

struct Request {
  uv_getaddrinfo_t request;
  PeerResolver* owner = nullptr;
  void* name = nullptr;  // the Name it resolves; nullptr once that name was forgotten
};
}  // namespace

struct PeerResolver::Name {
  PeerResolver* owner = nullptr;
  HostPort hostPort;
  std::string address;  // last resolved "ip:port", "" before the first success
  std::string error;
  std::chrono::milliseconds nextRetry = kFirstResolveRetry;
  Request* inFlight = nullptr;
  UvHandle<uv_timer_t> retryTimer;
};

PeerResolver::PeerResolver(uv_loop_t* loop, std::function<void()> changed) : loop_(loop), changed_(std::move(changed)) {}

PeerResolver::~PeerResolver() {
  for (auto& [endpoint, name] : names_) {
    if (name->inFlight != nullptr) {
      name->inFlight->name = nullptr;
      uv_cancel(reinterpret_cast<uv_req_t*>(&name->inFlight->request));
    }
    name->retryTimer.close();
  }
}

void PeerResolver::setPeers(const std::vector<PeerEntry>& peers) {
  std::map<std::string, std::unique_ptr<Name>> kept;
  for (const PeerEntry& peer : peers) {
    if (peer.endpoint.empty() || kept.count(peer.endpoint) != 0) continue;
    auto found = names_.find(peer.endpoint);
    if (found != names_.end()) {
      kept[peer.endpoint] = std::move(found->second);
      names_.erase(found);
      continue;
    }
    Result<HostPort> hostPort = parseHostPort(peer.endpoint);
    if (!hostPort.ok() || hostPort->isIpLiteral) continue;  // validation reported a bad one; literals need nothing
    auto name = std::make_unique<Name>();
    name->owner = this;
    name->hostPort = hostPort.value();
    name->retryTimer.init(uv_timer_init, loop_);
    name->retryTimer.get()->data = name.get();
    Name& added = *name;
    kept[peer.endpoint] = std::move(name);
    resolve(added);
  }
  for (auto& [endpoint, name] : names_) {  // forgotten names
    if (name->inFlight != nullptr) {
      name->inFlight->name = nullptr;
      uv_cancel(reinterpret_cast<uv_req_t*>(&name->inFlight->request));
    }
    name->retryTimer.close();
  }
  names_ = std::move(kept);
}

void PeerResolver::refreshAll() {
  for (auto& [endpoint, name] : names_) {
    if (name->inFlight != nullptr) continue;
    uv_timer_stop(name->retryTimer.get());
    name->nextRetry = kFirstResolveRetry;
    resolve(*name);
  }
}

void PeerResolver::resolve(Name& name) {
  auto* request = new Request;
  request->owner = this;
  request->name = &name;
  request->request.data = request;
  name.inFlight = request;
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  const int started = uv_getaddrinfo(
      loop_, &request->request,
      [](uv_getaddrinfo_t* handle, int status, addrinfo* results) {
        auto* finished = static_cast<Request*>(handle->data);
        if (finished->name != nullptr) {
          auto* resolvedName = static_cast<Name*>(finished->name);
          resolvedName->inFlight = nullptr;
          finished->owner->onResolved(*resolvedName, status, results);
        }
        uv_freeaddrinfo(results);
        delete finished;
      },
      name.hostPort.host.c_str(), nullptr, &hints);
  if (started != 0) {
    name.inFlight = nullptr;
    delete request;
    onResolved(name, started, nullptr);
  }
}

void PeerResolver::onResolved(Name& name, int status, addrinfo* results) {
  if (status != 0 || results == nullptr) {
    const std::string error = "cannot resolve " + name.hostPort.host + ": " + uv_strerror(status);
    if (error != name.error) logWarn(kComponent, "peer endpoint ", name.hostPort.toString(), ": ", error,
                                     "; retrying in ", name.nextRetry.count() / 1000, " s");
    name.error = error;
    uv_timer_start(
        name.retryTimer.get(),
        [](uv_timer_t* timer) {
          auto* retried = static_cast<Name*>(timer->data);
          retried->owner->resolve(*retried);
        },
        static_cast<uint64_t>(name.nextRetry.count()), 0);
    name.nextRetry = std::min<std::chrono::milliseconds>(name.nextRetry * 2, kMaxResolveRetry);
    return;
  }
  char text[INET6_ADDRSTRLEN] = {};
  ::getnameinfo(results->ai_addr, results->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  const std::string address = HostPort{text, name.hostPort.port, true}.toString();
  if (!name.error.empty()) logInfo(kComponent, "peer endpoint ", name.hostPort.toString(), " resolved to ", address);
  name.error.clear();
  name.nextRetry = kFirstResolveRetry;
  if (address == name.address) return;
  name.address = address;
  if (changed_) changed_();
}

std::string PeerResolver::resolved(const std::string& endpoint) const {
  auto found = names_.find(endpoint);
  if (found != names_.end()) return found->second->address;
  Result<HostPort> hostPort = parseHostPort(endpoint);
  return hostPort.ok() && hostPort->isIpLiteral ? hostPort->toString() : "";
}

std::string PeerResolver::error(const std::string& endpoint) const {
  auto found = names_.find(endpoint);
  return found == names_.end() ? "" : found->second->error;
}

}  // namespace nefia::supervisor
