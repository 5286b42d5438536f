// One iteration: poll (bounded by the nearest deadline, the restore timer and 1 s for the stop flag), accept up to
// 64 connections, advance every ready connection, answer complete requests, close expired connections, restore
// peers, report suppressed log lines. The request budget is charged only for a complete, well-framed request.
#include "operator/hub_loop.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/invite/enroll_errors.h"
#include "common/invite/enroll_protocol.h"
#include "common/log.h"
#include "operator/hub_socket.h"

namespace nefia::hub {
namespace {

constexpr std::string_view kComponent = "hub";
constexpr int kAcceptsPerWakeup = 64;
constexpr std::chrono::milliseconds kAcceptPauseOnFdShortage{100};

std::string secondsText(std::chrono::milliseconds duration) {
  const auto count = duration.count();
  return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

template <typename... Parts>
void logThrottled(LogThrottle& throttle, LogLevel level, SteadyTime now, Parts&&... parts) {
  if (throttle.allow(now)) logAt(level, kComponent, std::forward<Parts>(parts)...);
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

HubLoop::HubLoop(int listener, SSL_CTX* context, EnrollmentService& service, const HubServerSettings& settings)
    : listener_(listener),
      context_(context),
      service_(service),
      settings_(settings),
      limiter_(settings.rateLimit),
      table_(settings.connections),
      nextRestore_(std::chrono::steady_clock::now() + settings.restoreInterval),
      refusalLog_(kClientLogLines, kClientLogWindow),
      deadlineLog_(kClientLogLines, kClientLogWindow),
      requestLog_(kClientLogLines, kClientLogWindow) {}

void HubLoop::run(const std::atomic<bool>& stop) {
  restoreMissing(service_);
  std::vector<pollfd> entries;
  std::vector<uint64_t> ids;  // 0: the listener
  while (!stop.load()) {
    SteadyTime now = std::chrono::steady_clock::now();
    entries.clear();
    ids.clear();
    if (now >= acceptPausedUntil_) {
      entries.push_back({listener_, POLLIN, 0});
      ids.push_back(0);
    }
    for (const auto& [id, connection] : connections_) {
      if (connection->pollEvents() == 0) continue;
      entries.push_back({connection->fd(), connection->pollEvents(), 0});
      ids.push_back(id);
    }
    const int ready = ::poll(entries.data(), entries.size(), pollTimeoutMs(now));
    now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; ready > 0 && i < entries.size(); ++i) {
      if (entries[i].revents == 0) continue;
      if (ids[i] == 0) {
        acceptPending(now);
      } else {
        drive(ids[i], now);
      }
    }
    closeExpired(now);
    restoreWhenDue(now);
    reportSuppressed(now);
  }
  connections_.clear();
}

int HubLoop::pollTimeoutMs(SteadyTime now) const {
  SteadyTime until = std::min(now + std::chrono::seconds(1), nextRestore_);
  if (std::optional<SteadyTime> deadline = table_.nextDeadline()) until = std::min(until, *deadline);
  if (acceptPausedUntil_ > now) until = std::min(until, acceptPausedUntil_);
  return static_cast<int>(std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(until - now).count()));
}

void HubLoop::acceptPending(SteadyTime now) {
  for (int accepted = 0; accepted < kAcceptsPerWakeup; ++accepted) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listener_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      admit(fd, peerIp(address), now);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      logThrottled(refusalLog_, LogLevel::kWarn, now, "cannot accept connections: ", std::strerror(errno),
                   "; pausing accept for ", secondsText(kAcceptPauseOnFdShortage));
      acceptPausedUntil_ = now + kAcceptPauseOnFdShortage;
    }
    return;
  }
}

void HubLoop::admit(int fd, const std::string& peer, SteadyTime now) {
  const std::string address = addressKeyFor(peer);
  const uint64_t id = nextId_++;
  const AdmissionResult result = table_.admit(id, address, now);
  const ConnectionLimits& limits = table_.limits();
  if (result.admission == Admission::kAddressFull) {
    refuseAsBusy(fd);
    logThrottled(refusalLog_, LogLevel::kInfo, now, "refused a connection from ", peer, ": ", limits.maxPerAddress,
                 " connections from ", address == peer ? "this address" : address, " are open (the limit)");
    return;
  }
  if (result.admission == Admission::kHubFull) {
    refuseAsBusy(fd);
    logThrottled(refusalLog_, LogLevel::kInfo, now, "refused a connection from ", peer, ": the hub holds ",
                 limits.maxConnections, " connections (the limit)");
    return;
  }
  if (result.evicted) {
    const auto evicted = connections_.find(*result.evicted);
    logThrottled(refusalLog_, LogLevel::kInfo, now, "closed the oldest connection from ",
                 evicted != connections_.end() ? evicted->second->peer() : result.evictedAddress, " to make room for ",
                 peer, ": the hub holds ", limits.maxConnections, " connections (the limit)");
    if (evicted != connections_.end()) connections_.erase(evicted);
  }
  connections_.emplace(id, std::make_unique<HubConnection>(fd, peer, context_, invite::kMaxEnrollRequestBytes));
  drive(id, now);
}

void HubLoop::drive(uint64_t id, SteadyTime now) {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;  // closed earlier in this iteration
  HubConnection& connection = *it->second;
  connection.advance();
  if (connection.phase() == ConnectionPhase::kAwaitingAnswer) connection.answer(respond(connection, now));
  const ConnectionPhase phase = connection.phase();
  table_.setProtected(id, phase == ConnectionPhase::kWritingAnswer || phase == ConnectionPhase::kClosing);
  if (phase != ConnectionPhase::kDone) return;
  if (!connection.failure().empty()) logDebug(kComponent, "connection from ", connection.peer(), ": ", connection.failure());
  forget(id);
}

std::string HubLoop::respond(const HubConnection& connection, SteadyTime now) {
  invite::EnrollResponse response;
  const std::string& source = connection.peer();
  if (!connection.requestProblem().empty()) {
    logThrottled(requestLog_, LogLevel::kWarn, now, "unreadable enrollment request from ", source, ": ",
                 connection.requestProblem());
    response.error = std::string(invite::kErrorValidationFailed);
  } else if (!limiter_.allow(source, now)) {
    logThrottled(requestLog_, LogLevel::kWarn, now, "rate limit: refused enrollment request from ", source);
    response.error = std::string(invite::kErrorRateLimited);
  } else if (Result<invite::EnrollRequest> request = invite::parseRequest(connection.request()); !request.ok()) {
    logThrottled(requestLog_, LogLevel::kWarn, now, "malformed enrollment request from ", source, ": ",
                 request.error());
    response.error = std::string(invite::kErrorValidationFailed);
  } else {
    const auto unixNow = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    response = service_.enroll(request.value(), source, unixNow.count());
  }
  return invite::serializeResponse(response);
}

void HubLoop::closeExpired(SteadyTime now) {
  for (const uint64_t id : table_.expired(now)) {
    const auto it = connections_.find(id);
    if (it != connections_.end()) {
      logThrottled(deadlineLog_, LogLevel::kInfo, now, "closed the connection from ", it->second->peer(), ": the ",
                   secondsText(table_.limits().deadline), " connection deadline passed during ",
                   toString(it->second->phase()));
    }
    forget(id);
  }
}

void HubLoop::restoreWhenDue(SteadyTime now) {
  if (now < nextRestore_) return;
  restoreMissing(service_);
  nextRestore_ = std::chrono::steady_clock::now() + settings_.restoreInterval;
}

void HubLoop::reportSuppressed(SteadyTime now) {
  const std::pair<LogThrottle*, const char*> kinds[] = {
      {&refusalLog_, "refused connections"}, {&deadlineLog_, "expired connections"}, {&requestLog_, "bad requests"}};
  for (const auto& [throttle, what] : kinds) {
    if (const std::size_t suppressed = throttle->takeSuppressed(now); suppressed > 0) {
      logInfo(kComponent, suppressed, " more messages about ", what, " not logged (at most ",
              throttle->linesPerWindow(), " per ", secondsText(throttle->window()), ")");
    }
  }
}

void HubLoop::forget(uint64_t id) {
  table_.remove(id);
  connections_.erase(id);
}

}  // namespace nefia::hub
