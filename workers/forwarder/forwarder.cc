// Forwarder: listener, connection limit, broker requests, drain and shutdown around RelayConnection.
// Must never accept beyond kMaxAgentConnections and never leave a uv handle open after close().
#include "workers/forwarder/forwarder.h"

#include <signal.h>
#include <unistd.h>

#include "common/log.h"
#include "lwip/tcp.h"
#include "workers/forwarder/relay_connection.h"

namespace nefia::forwarder {
namespace {
constexpr const char* kComponent = "forwarder";
}  // namespace

Forwarder::Forwarder(uv_loop_t* loop, ConnectionBroker& broker) : loop_(loop), broker_(broker) {}

Result<std::unique_ptr<Forwarder>> Forwarder::create(uv_loop_t* loop, const NetstackConfig& config, int packetFd,
                                                     ConnectionBroker& broker, uint16_t listenPort) {
  // libuv writes streams with write(2): a local socket reset by sshd must surface as EPIPE (and reset
  // the operator's side), not kill the worker with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<Forwarder> forwarder(new Forwarder(loop, broker));
  forwarder->link_ = std::make_unique<PacketLink>(loop, packetFd, config.mtu);
  auto netstack = Netstack::create(loop, config, *forwarder->link_);
  if (!netstack) return makeError(netstack.error());
  forwarder->netstack_ = std::move(netstack).value();
  Netstack* stack = forwarder->netstack_.get();
  forwarder->link_->start([stack](std::span<const uint8_t> packet) { stack->input(packet); });

  struct tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
  if (pcb == nullptr) return makeError("forwarder: lwIP could not allocate the listening connection");
  if (tcp_bind(pcb, IP_ANY_TYPE, listenPort) != ERR_OK) {
    tcp_abort(pcb);
    return makeError("forwarder: cannot listen on TCP port " + std::to_string(listenPort) +
                     " of the VPN address (already in use inside the netstack)");
  }
  forwarder->listener_ = tcp_listen(pcb);
  if (forwarder->listener_ == nullptr) {
    tcp_abort(pcb);
    return makeError("forwarder: lwIP could not listen on TCP port " + std::to_string(listenPort));
  }
  tcp_arg(forwarder->listener_, forwarder.get());
  tcp_accept(forwarder->listener_, &Forwarder::onAccept);
  if (forwarder->drainTimer_.init(uv_timer_init, loop) != 0) {
    return makeError("forwarder: cannot create the drain timer");
  }
  forwarder->drainTimer_.get()->data = forwarder.get();
  logInfo(kComponent, "forwarding TCP port ", listenPort, " of ", config.ipv4Cidr, " to the SSH server (at most ",
          kMaxAgentConnections, " connections)");
  return forwarder;
}

Forwarder::~Forwarder() {
  *alive_ = false;
  stopListening();
}

void Forwarder::replacePacketFd(int fd) {
  link_->replaceFd(fd);
  netstack_->retransmitUnacknowledged();
}

ForwarderStats Forwarder::stats() const {
  ForwarderStats stats;
  stats.activeConnections = connections_.size();
  stats.refusedConnections = refused_;
  stats.acceptedConnections = accepted_;
  return stats;
}

err_t Forwarder::onAccept(void* arg, struct tcp_pcb* pcb, err_t error) {
  if (arg == nullptr || pcb == nullptr || error != ERR_OK) return ERR_VAL;
  return static_cast<Forwarder*>(arg)->accept(pcb);
}

err_t Forwarder::accept(struct tcp_pcb* pcb) {
  if (closing_ || drainDone_) {
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  if (connections_.size() >= kMaxAgentConnections) {
    ++refused_;
    char address[IPADDR_STRLEN_MAX];
    ipaddr_ntoa_r(&pcb->remote_ip, address, sizeof address);
    logWarn(kComponent, "refused connection from ", address, ":", pcb->remote_port, ": ", kMaxAgentConnections,
            " forwarded connections are already active (the limit); it was reset");
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  ++accepted_;
  const uint64_t id = nextId_++;
  auto owned = std::make_unique<RelayConnection>(loop_, pcb, id,
                                                 [this](RelayConnection& closed) { onConnectionClosed(closed); });
  RelayConnection* connection = owned.get();
  connections_.emplace(id, std::move(owned));
  logDebug(kComponent, "connection ", id, " from ", connection->peer(), " accepted");
  // The broker may answer before requestConnection returns, even with a failure that resets this pcb.
  const bool aborted = connection->abortedWhile([this, id] {
    broker_.requestConnection(id, [this, id, alive = alive_](Result<int> answer) {
      if (!*alive) {
        if (answer) ::close(answer.value());
        return;
      }
      onBrokerAnswer(id, std::move(answer));
    });
  });
  return aborted ? ERR_ABRT : ERR_OK;
}

void Forwarder::onBrokerAnswer(uint64_t id, Result<int> answer) {
  auto found = connections_.find(id);
  if (found == connections_.end()) {
    // The operator gave up (reset) while the broker was connecting.
    if (answer) ::close(answer.value());
    return;
  }
  if (answer) {
    found->second->attachLocal(answer.value());
  } else {
    found->second->refuse();
  }
}

void Forwarder::onConnectionClosed(RelayConnection& connection) {
  connections_.erase(connection.id());
  finishIfIdle();
}

void Forwarder::stopListening() {
  if (listener_ == nullptr) return;
  tcp_arg(listener_, nullptr);
  tcp_accept(listener_, nullptr);
  tcp_close(listener_);
  listener_ = nullptr;
}

void Forwarder::drain(std::chrono::milliseconds timeout, std::function<void()> done) {
  drainDone_ = std::move(done);
  drainTimeout_ = timeout;
  stopListening();
  logInfo(kComponent, "draining: no new connections; waiting up to ", timeout.count(), " ms for ",
          connections_.size(), " active connection(s)");
  if (!connections_.empty()) {
    uv_timer_start(drainTimer_.get(), [](uv_timer_t* handle) { static_cast<Forwarder*>(handle->data)->onDrainTimeout(); },
                   static_cast<uint64_t>(timeout.count()), 0);
  }
  finishIfIdle();
}

void Forwarder::onDrainTimeout() {
  logWarn(kComponent, "drain timeout (", drainTimeout_.count(), " ms) reached; resetting ", connections_.size(),
          " remaining connection(s)");
  for (auto& [id, connection] : connections_) connection->abort();
}

void Forwarder::finishIfIdle() {
  if (!connections_.empty()) return;
  if (drainDone_) {
    uv_timer_stop(drainTimer_.get());
    auto done = std::move(drainDone_);
    drainDone_ = nullptr;
    logInfo(kComponent, "drain complete");
    done();
  }
  if (closing_ && closeDone_) {
    auto done = std::move(closeDone_);
    closeDone_ = nullptr;
    // Handles in order: lwIP resets what is left (queued to the link), the link sends it, then closes.
    auto remaining = std::make_shared<int>(3);
    auto finished = [remaining, done = std::move(done)] {
      if (--*remaining == 0 && done) done();
    };
    netstack_->close(finished);
    link_->flush();
    link_->close(finished);
    drainTimer_.close(finished);
  }
}

void Forwarder::close(std::function<void()> done) {
  if (closing_) return;
  closing_ = true;
  closeDone_ = std::move(done);
  stopListening();
  for (auto& [id, connection] : connections_) connection->abort();
  finishIfIdle();
}

}  // namespace nefia::forwarder
