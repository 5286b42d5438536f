// Non-blocking connect to ssh_addr: a raw non-blocking socket watched by uv_poll with a timeout timer,
// so no libuv request can outlive the broker; names go through uv_getaddrinfo (cancelled on destruction).
#include "supervisor/core/connection_broker.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/config/net_address.h"
#include "common/uv_handle.h"

namespace nefia::supervisor {

struct ConnectionBroker::Attempt {
  Done done;
  std::string target;
  UniqueFd socket;
  UvHandle<uv_poll_t> poll;
  UvHandle<uv_timer_t> timer;
  ConnectionBroker* broker = nullptr;
  uint64_t id = 0;
};

namespace {

// A name lookup in flight; owned by libuv until its callback runs (also after uv_cancel).
struct Lookup {
  uv_getaddrinfo_t request{};
  ConnectionBroker* broker = nullptr;
  uint64_t id = 0;
  std::shared_ptr<bool> brokerAlive;
  std::function<void(const sockaddr*, int status)> resolved;
};

}  // namespace

ConnectionBroker::ConnectionBroker(uv_loop_t* loop, std::chrono::milliseconds connectTimeout)
    : loop_(loop), connectTimeout_(connectTimeout), alive_(std::make_shared<bool>(true)) {}

ConnectionBroker::~ConnectionBroker() {
  *alive_ = false;
  auto attempts = std::move(attempts_);
  for (auto& [id, attempt] : attempts) {
    attempt->poll.close();
    attempt->timer.close();
    attempt->done(makeError("connection to " + attempt->target + " abandoned: the agent is shutting down"));
  }
}

void ConnectionBroker::finish(uint64_t id, Result<UniqueFd> result) {
  auto found = attempts_.find(id);
  if (found == attempts_.end()) return;
  std::unique_ptr<Attempt> attempt = std::move(found->second);
  attempts_.erase(found);
  attempt->poll.close();
  attempt->timer.close();
  attempt->done(std::move(result));
}

void ConnectionBroker::connect(Done done) {
  const uint64_t id = nextId_++;
  auto attempt = std::make_unique<Attempt>();
  attempt->done = std::move(done);
  attempt->target = target_;
  attempt->broker = this;
  attempt->id = id;
  Attempt* raw = attempt.get();
  attempts_.emplace(id, std::move(attempt));

  raw->timer.init(uv_timer_init, loop_);
  raw->timer.get()->data = raw;
  uv_timer_start(
      raw->timer.get(),
      [](uv_timer_t* timer) {
        auto* current = static_cast<Attempt*>(timer->data);
        current->broker->finish(current->id, makeError("connecting to " + current->target + " timed out"));
      },
      static_cast<uint64_t>(connectTimeout_.count()), 0);

  Result<HostPort> hostPort = parseHostPort(raw->target);
  if (!hostPort.ok()) {
    finish(id, makeError("ssh_addr " + raw->target + " is not host:port: " + hostPort.error()));
    return;
  }
  if (hostPort->isIpLiteral) {
    sockaddr_storage address{};
    const std::string host = hostPort->host;
    if (uv_ip4_addr(host.c_str(), hostPort->port, reinterpret_cast<sockaddr_in*>(&address)) != 0 &&
        uv_ip6_addr(host.c_str(), hostPort->port, reinterpret_cast<sockaddr_in6*>(&address)) != 0) {
      finish(id, makeError("ssh_addr " + raw->target + " has an unusable address"));
      return;
    }
    startTcp(id, reinterpret_cast<const sockaddr*>(&address));
    return;
  }
  auto* lookup = new Lookup();
  lookup->broker = this;
  lookup->id = id;
  lookup->brokerAlive = alive_;
  lookup->request.data = lookup;
  const std::string port = std::to_string(hostPort->port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  const int status = uv_getaddrinfo(
      loop_, &lookup->request,
      [](uv_getaddrinfo_t* request, int status, addrinfo* result) {
        std::unique_ptr<Lookup> owned(static_cast<Lookup*>(request->data));
        if (*owned->brokerAlive) {
          ConnectionBroker* broker = owned->broker;
          if (status != 0 || result == nullptr) {
            auto found = broker->attempts_.find(owned->id);
            const std::string target = found == broker->attempts_.end() ? "" : found->second->target;
            broker->finish(owned->id, makeError("cannot resolve " + target + ": " + uv_strerror(status)));
          } else {
            broker->startTcp(owned->id, result->ai_addr);
          }
        }
        uv_freeaddrinfo(result);
      },
      hostPort->host.c_str(), port.c_str(), &hints);
  if (status != 0) {
    delete lookup;
    finish(id, makeError("cannot resolve " + raw->target + ": " + uv_strerror(status)));
  }
}

void ConnectionBroker::startTcp(uint64_t id, const sockaddr* address) {
  auto found = attempts_.find(id);
  if (found == attempts_.end()) return;
  Attempt* attempt = found->second.get();
  const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    finish(id, makeError("cannot create a socket for " + attempt->target + ": " + std::strerror(errno)));
    return;
  }
  attempt->socket.reset(fd);
  const socklen_t length = address->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (::connect(fd, address, length) != 0 && errno != EINPROGRESS) {
    finish(id, makeError("cannot connect to " + attempt->target + ": " + std::strerror(errno)));
    return;
  }
  attempt->poll.init(uv_poll_init_socket, loop_, fd);
  attempt->poll.get()->data = attempt;
  uv_poll_start(attempt->poll.get(), UV_WRITABLE, [](uv_poll_t* poll, int, int) {
    auto* current = static_cast<Attempt*>(poll->data);
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(current->socket.get(), SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
      current->broker->finish(current->id,
                              makeError("cannot connect to " + current->target + ": " + std::strerror(error)));
      return;
    }
    UniqueFd connected = std::move(current->socket);
    current->broker->finish(current->id, std::move(connected));
  });
}

}  // namespace nefia::supervisor
