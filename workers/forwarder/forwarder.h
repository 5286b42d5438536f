// Forwarder: the forwarder worker's data plane as a library. Owns the PacketLink (tunnel packets), the
// Netstack (lwIP) and the listener on the VPN address; relays each accepted connection to a socket the
// ConnectionBroker provides. Never connects anywhere itself and never exceeds kMaxAgentConnections.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "common/result.h"
#include "common/uv_handle.h"
#include "workers/forwarder/connection_broker.h"
#include "workers/forwarder/constants.h"
#include "workers/forwarder/netstack.h"
#include "workers/packet_link/packet_link.h"

struct tcp_pcb;

namespace nefia::forwarder {

class RelayConnection;

// The forwarder's counters for its status report (ssh_reachable is the supervisor's: ssh_reachability.h).
struct ForwarderStats {
  std::size_t activeConnections = 0;
  uint64_t refusedConnections = 0;
  uint64_t acceptedConnections = 0;  // since start, refused ones excluded
};

class Forwarder {
 public:
  // packetFd: the forwarder's end of the tunnel packet socketpair (ownership passes here). Sets SIGPIPE
  // to ignored for the process: a reset local socket must become an error, not a fatal signal.
  static Result<std::unique_ptr<Forwarder>> create(uv_loop_t* loop, const NetstackConfig& config, int packetFd,
                                                   ConnectionBroker& broker, uint16_t listenPort = kDefaultListenPort);
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;
  ~Forwarder();

  // The tunnel worker restarted: continue on its new socket; TCP state (and open sessions) survive.
  void replacePacketFd(int fd);
  // Graceful shutdown: stop accepting, wait up to `timeout` (kDrainTimeout in production) for active
  // connections to end, then reset the rest; `done` runs once none is left.
  void drain(std::chrono::milliseconds timeout, std::function<void()> done);
  ForwarderStats stats() const;
  const PacketLinkStats& linkStats() const { return link_->stats(); }
  // Resets every connection and closes every uv handle; `done` runs when all are released, after which
  // the loop has nothing of ours left (uv_loop_close() succeeds).
  void close(std::function<void()> done);

 private:
  Forwarder(uv_loop_t* loop, ConnectionBroker& broker);
  static err_t onAccept(void* arg, struct tcp_pcb* pcb, err_t error);
  err_t accept(struct tcp_pcb* pcb);
  void onBrokerAnswer(uint64_t id, Result<int> answer);
  void onConnectionClosed(RelayConnection& connection);
  void stopListening();
  void onDrainTimeout();
  void finishIfIdle();

  uv_loop_t* loop_;
  ConnectionBroker& broker_;
  // Declaration order is teardown order in reverse: connections, then lwIP, then the packet socket.
  std::unique_ptr<PacketLink> link_;
  std::unique_ptr<Netstack> netstack_;
  std::unordered_map<uint64_t, std::unique_ptr<RelayConnection>> connections_;
  struct tcp_pcb* listener_ = nullptr;
  uint64_t nextId_ = 1;
  uint64_t accepted_ = 0;
  uint64_t refused_ = 0;
  UvHandle<uv_timer_t> drainTimer_;
  std::chrono::milliseconds drainTimeout_{0};
  std::function<void()> drainDone_;
  std::function<void()> closeDone_;
  bool closing_ = false;
  // Broker answers can arrive after the forwarder is gone (IPC); they check this first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace nefia::forwarder
