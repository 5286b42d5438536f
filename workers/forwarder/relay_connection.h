// RelayConnection: one forwarded connection, relaying bytes between an lwIP tcp_pcb (the operator, inside
// the tunnel) and a local stream socket (ssh_addr), with backpressure, half-close and reset propagation.
// Never buffers more than lwIP's (autotuned) window / send limit plus one read chunk, and never drops a byte silently.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "common/uv_handle.h"
#include "lwip/tcp.h"
#include "workers/forwarder/congestion_hook.h"
#include "workers/forwarder/connection_buffers.h"

namespace nefia::forwarder {

class RelayConnection {
 public:
  using ClosedCallback = std::function<void(RelayConnection&)>;

  // Takes over `pcb` (a just-accepted connection). onClosed runs from a libuv close callback once both
  // sides are released; the owner may destroy the object there.
  RelayConnection(uv_loop_t* loop, struct tcp_pcb* pcb, uint64_t id, ClosedCallback onClosed);
  RelayConnection(const RelayConnection&) = delete;
  RelayConnection& operator=(const RelayConnection&) = delete;
  ~RelayConnection();

  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  bool closing() const { return closing_; }

  // The broker connected to ssh_addr: start relaying over fd (ownership passes here).
  void attachLocal(int fd);
  // The broker could not connect: reset the operator's connection.
  void refuse();
  // Drain timeout or shutdown: reset both sides now.
  void abort();
  // Runs `action` as if inside an lwIP callback for this pcb; true when the pcb was aborted meanwhile,
  // so the calling lwIP callback must return ERR_ABRT.
  bool abortedWhile(const std::function<void()>& action);

 private:
  enum class PcbRelease { kGraceful, kReset };

  // lwIP side (tunnel -> local)
  static err_t onLwipReceive(void* arg, struct tcp_pcb* pcb, struct pbuf* data, err_t error);
  static err_t onLwipSent(void* arg, struct tcp_pcb* pcb, u16_t length);
  static err_t onLwipPoll(void* arg, struct tcp_pcb* pcb);
  static void onLwipError(void* arg, err_t error);
  void onRemoteData(struct pbuf* data);
  void onRemoteError(err_t error);
  void flushToLocal();
  void consumeDelivered(std::size_t bytes);

  // libuv side (local -> tunnel)
  static void onAllocate(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buffer);
  static void onLocalRead(uv_stream_t* stream, ssize_t length, const uv_buf_t* buffer);
  static void onLocalWritten(uv_write_t* request, int status);
  static void onLocalShutdown(uv_shutdown_t* request, int status);
  void pumpToTunnel();
  void startReading();
  void stopReading();

  // Teardown
  err_t guarded(const std::function<void()>& action);
  void maybeFinish();
  void releasePcb(PcbRelease how);
  void closeLocal(bool reset);
  void abortBoth(const char* why);

  uv_loop_t* loop_;
  struct tcp_pcb* pcb_;
  uint64_t id_;
  std::string peer_;
  ClosedCallback onClosed_;

  UvHandle<uv_tcp_t> local_;
  bool localOpen_ = false;
  bool closing_ = false;

  // Tunnel -> local: pbufs received from lwIP and not yet taken by the local socket.
  std::deque<struct pbuf*> received_;
  std::size_t heldBytes_ = 0;  // bytes in received_ (their whole pbufs, until freed)
  std::size_t frontOffset_ = 0;
  uv_write_t writeRequest_{};
  bool writeInFlight_ = false;
  std::size_t writeBytes_ = 0;
  bool remoteFinished_ = false;  // the operator sent FIN
  uv_shutdown_t shutdownRequest_{};
  bool localShutdownStarted_ = false;
  bool localShutdownDone_ = false;

  // Local -> tunnel: one read chunk, of which [pendingOffset_, +pendingLength_) is not yet in lwIP.
  std::unique_ptr<uint8_t[]> readBuffer_;
  std::size_t pendingOffset_ = 0;
  std::size_t pendingLength_ = 0;
  bool reading_ = false;
  bool localFinished_ = false;  // the SSH server sent FIN
  bool finSent_ = false;

  // Autotuned receive window and send limit (under the forwarder's one memory cap).
  ConnectionBuffers buffers_;
  // The path model that sets the connection's cwnd and paces it (congestion_hook.h), attached while pcb_
  // is ours.
  CongestionControl congestion_;

  int callbackDepth_ = 0;
  bool abortedInCallback_ = false;
};

}  // namespace nefia::forwarder
