// Batched datagram I/O on one non-blocking socket (UDP or SOCK_SEQPACKET) with recvmmsg/sendmmsg, driven by
// a uv_poll_t. Outbound datagrams are copied into a fixed batch and flushed together; a full socket drops.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "ipc/unique_fd.h"
#include "ipc/uv_handle.h"

namespace nefia::workers {

inline constexpr int kBatchSize = 64;
inline constexpr std::size_t kMaxDatagramBytes = 2048;  // MTU 1420 + WireGuard overhead fits with room

class BatchedSocket {
 public:
  // Called once per received datagram; `from` is empty for connected sockets. The span is valid during the call.
  using Receive = std::function<void(std::span<uint8_t> datagram, const sockaddr* from, socklen_t fromLength)>;
  // Called after each received batch (flush point for the owner's own batches).
  using BatchDone = std::function<void()>;

  BatchedSocket(uv_loop_t* loop, Receive receive, BatchDone batchDone);
  ~BatchedSocket();

  // Takes over `fd` and starts reading; a previous fd is closed (queued datagrams are dropped).
  void replaceFd(ipc::UniqueFd fd);
  bool hasFd() const { return fd_.valid(); }
  void queue(std::span<const uint8_t> datagram, const sockaddr* to, socklen_t toLength);
  void flush();
  void close();

  uint64_t droppedOnSend() const { return droppedOnSend_; }

 private:
  static void onReadable(uv_poll_t* handle, int status, int events);
  void readBatch();

  uv_loop_t* loop_;
  Receive receive_;
  BatchDone batchDone_;
  ipc::UniqueFd fd_;
  ipc::UvHandle<uv_poll_t> poll_;
  std::vector<uint8_t> receiveBuffers_;
  std::vector<uint8_t> sendBuffers_;
  std::array<sockaddr_storage, kBatchSize> receiveAddresses_{};
  std::array<sockaddr_storage, kBatchSize> sendAddresses_{};
  std::array<socklen_t, kBatchSize> sendAddressLengths_{};
  std::array<std::size_t, kBatchSize> sendLengths_{};
  int queued_ = 0;
  uint64_t droppedOnSend_ = 0;
};

}  // namespace nefia::workers
