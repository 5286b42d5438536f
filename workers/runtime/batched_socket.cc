// recvmmsg/sendmmsg batching for the tunnel's UDP socket and the packet link to the forwarder.
// Never blocks: EAGAIN on send drops the rest of the batch (WireGuard and TCP above recover from loss).
#include "workers/runtime/batched_socket.h"

#include <cerrno>
#include <cstring>

namespace nefia::workers {

BatchedSocket::BatchedSocket(uv_loop_t* loop, Receive receive, BatchDone batchDone)
    : loop_(loop),
      receive_(std::move(receive)),
      batchDone_(std::move(batchDone)),
      receiveBuffers_(kBatchSize * kMaxDatagramBytes),
      sendBuffers_(kBatchSize * kMaxDatagramBytes) {}

BatchedSocket::~BatchedSocket() { close(); }

void BatchedSocket::close() {
  poll_.close();
  fd_.reset();
  queued_ = 0;
}

void BatchedSocket::replaceFd(ipc::UniqueFd fd) {
  close();
  fd_ = std::move(fd);
  poll_ = ipc::UvHandle<uv_poll_t>();
  if (poll_.init(uv_poll_init_socket, loop_, fd_.get()) != 0) {
    fd_.reset();
    return;
  }
  poll_.get()->data = this;
  uv_poll_start(poll_.get(), UV_READABLE, &BatchedSocket::onReadable);
}

void BatchedSocket::onReadable(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<BatchedSocket*>(handle->data);
  if (status < 0) return;
  self->readBatch();
}

void BatchedSocket::readBatch() {
  std::array<mmsghdr, kBatchSize> messages{};
  std::array<iovec, kBatchSize> vectors{};
  for (int index = 0; index < kBatchSize; ++index) {
    vectors[index] = {receiveBuffers_.data() + index * kMaxDatagramBytes, kMaxDatagramBytes};
    messages[index].msg_hdr.msg_iov = &vectors[index];
    messages[index].msg_hdr.msg_iovlen = 1;
    messages[index].msg_hdr.msg_name = &receiveAddresses_[index];
    messages[index].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  }
  const int received = ::recvmmsg(fd_.get(), messages.data(), kBatchSize, MSG_DONTWAIT, nullptr);
  if (received <= 0) return;
  for (int index = 0; index < received; ++index) {
    if (messages[index].msg_hdr.msg_flags & MSG_TRUNC) continue;  // larger than any packet we accept
    std::span<uint8_t> datagram(receiveBuffers_.data() + index * kMaxDatagramBytes, messages[index].msg_len);
    const socklen_t length = messages[index].msg_hdr.msg_namelen;
    receive_(datagram, length > 0 ? reinterpret_cast<const sockaddr*>(&receiveAddresses_[index]) : nullptr, length);
    if (!fd_.valid()) return;  // the callback replaced or closed us
  }
  if (batchDone_) batchDone_();
}

void BatchedSocket::queue(std::span<const uint8_t> datagram, const sockaddr* to, socklen_t toLength) {
  if (!fd_.valid() || datagram.size() > kMaxDatagramBytes) {
    ++droppedOnSend_;
    return;
  }
  if (queued_ == kBatchSize) flush();
  std::memcpy(sendBuffers_.data() + queued_ * kMaxDatagramBytes, datagram.data(), datagram.size());
  sendLengths_[queued_] = datagram.size();
  sendAddressLengths_[queued_] = to != nullptr ? toLength : 0;
  if (to != nullptr) std::memcpy(&sendAddresses_[queued_], to, toLength);
  ++queued_;
}

void BatchedSocket::flush() {
  int sent = 0;
  while (sent < queued_ && fd_.valid()) {
    std::array<mmsghdr, kBatchSize> messages{};
    std::array<iovec, kBatchSize> vectors{};
    const int count = queued_ - sent;
    for (int index = 0; index < count; ++index) {
      const int slot = sent + index;
      vectors[index] = {sendBuffers_.data() + slot * kMaxDatagramBytes, sendLengths_[slot]};
      messages[index].msg_hdr.msg_iov = &vectors[index];
      messages[index].msg_hdr.msg_iovlen = 1;
      if (sendAddressLengths_[slot] > 0) {
        messages[index].msg_hdr.msg_name = &sendAddresses_[slot];
        messages[index].msg_hdr.msg_namelen = sendAddressLengths_[slot];
      }
    }
    const int result = ::sendmmsg(fd_.get(), messages.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
    if (result < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        droppedOnSend_ += static_cast<uint64_t>(queued_ - sent);
        break;
      }
      // A (socket full) or a per-destination error: drop the first datagram and go on with the rest.
      ++droppedOnSend_;
      ++sent;
      continue;
    }
    sent += result;
  }
  queued_ = 0;
}

}  // namespace nefia::workers
