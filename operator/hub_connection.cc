// Non-blocking OpenSSL on a non-blocking socket: every SSL call either progresses or says which readiness it waits
// for. Reads are sized to the frame so no more than one request is ever held; the answer is written with partial
// writes; the close waits for the client's FIN so the answer is not cut off by a reset.
#include "operator/hub_connection.h"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "common/invite/enroll_protocol.h"

namespace nefia::hub {

const char* toString(ConnectionPhase phase) {
  switch (phase) {
    case ConnectionPhase::kHandshake: return "TLS handshake";
    case ConnectionPhase::kReadingRequest: return "reading the request";
    case ConnectionPhase::kAwaitingAnswer: return "enrolling";
    case ConnectionPhase::kWritingAnswer: return "writing the answer";
    case ConnectionPhase::kClosing: return "closing";
    case ConnectionPhase::kDone: return "done";
  }
  return "unknown";
}

HubConnection::HubConnection(int fd, std::string peer, SSL_CTX* context, std::size_t maxRequestBytes)
    : fd_(fd), peer_(std::move(peer)), ssl_(SSL_new(context)), maxRequestBytes_(maxRequestBytes) {
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) {
    fail("cannot create the TLS state: " + invite::lastTlsError());
    return;
  }
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                               SSL_MODE_RELEASE_BUFFERS);
  SSL_set_num_tickets(ssl_.get(), 0);  // nobody resumes a one-shot exchange: spare the work and the memory
  SSL_set_accept_state(ssl_.get());
  wanted_ = POLLIN;
}

HubConnection::~HubConnection() {
  ssl_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void HubConnection::advance() {
  switch (phase_) {
    case ConnectionPhase::kHandshake: return handshake();
    case ConnectionPhase::kReadingRequest: return readRequest();
    case ConnectionPhase::kWritingAnswer: return writeAnswer();
    case ConnectionPhase::kClosing: return drainUntilClosed();
    case ConnectionPhase::kAwaitingAnswer:
    case ConnectionPhase::kDone: return;
  }
}

void HubConnection::answer(std::string body) {
  if (phase_ != ConnectionPhase::kAwaitingAnswer) return;
  const auto header = invite::frameHeader(body.size());
  output_.assign(reinterpret_cast<const char*>(header.data()), header.size());
  output_ += body;
  phase_ = ConnectionPhase::kWritingAnswer;
  writeAnswer();
}

bool HubConnection::waitFor(int sslResult, const char* what) {
  const int error = SSL_get_error(ssl_.get(), sslResult);
  if (error == SSL_ERROR_WANT_READ) {
    wanted_ = POLLIN;
    return true;
  }
  if (error == SSL_ERROR_WANT_WRITE) {
    wanted_ = POLLOUT;
    return true;
  }
  fail(std::string(what) + ": " +
       (error == SSL_ERROR_ZERO_RETURN ? std::string("the client closed the connection") : invite::lastTlsError()));
  return false;
}

void HubConnection::handshake() {
  ERR_clear_error();
  const int result = SSL_accept(ssl_.get());
  if (result != 1) {
    waitFor(result, "TLS handshake failed");
    return;
  }
  phase_ = ConnectionPhase::kReadingRequest;
  readRequest();
}

void HubConnection::readRequest() {
  std::array<char, 16 * 1024> buffer{};
  while (true) {
    std::size_t target = invite::kFrameHeaderBytes;
    if (input_.size() >= invite::kFrameHeaderBytes) {
      std::array<uint8_t, invite::kFrameHeaderBytes> header{};
      std::memcpy(header.data(), input_.data(), header.size());
      Result<std::size_t> length = invite::frameLength(header, maxRequestBytes_);
      if (!length.ok()) {
        requestProblem_ = length.error();
        phase_ = ConnectionPhase::kAwaitingAnswer;
        wanted_ = 0;
        return;
      }
      target += length.value();
      if (input_.size() == target) {
        request_ = input_.substr(invite::kFrameHeaderBytes);
        std::string().swap(input_);
        phase_ = ConnectionPhase::kAwaitingAnswer;
        wanted_ = 0;
        return;
      }
    }
    std::size_t got = 0;
    ERR_clear_error();
    const int result = SSL_read_ex(ssl_.get(), buffer.data(), std::min(buffer.size(), target - input_.size()), &got);
    if (result != 1) {
      waitFor(result, "the connection ended before a complete request");
      return;
    }
    input_.append(buffer.data(), got);
  }
}

void HubConnection::writeAnswer() {
  while (written_ < output_.size()) {
    std::size_t sent = 0;
    ERR_clear_error();
    const int result = SSL_write_ex(ssl_.get(), output_.data() + written_, output_.size() - written_, &sent);
    if (result != 1) {
      waitFor(result, "could not send the answer");
      return;
    }
    written_ += sent;
  }
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // our close_notify; the client's is not awaited
  ERR_clear_error();
  ::shutdown(fd_, SHUT_WR);
  phase_ = ConnectionPhase::kClosing;
  wanted_ = POLLIN;
  drainUntilClosed();
}

void HubConnection::drainUntilClosed() {
  std::array<char, 4096> buffer{};
  for (int reads = 0; reads < 16; ++reads) {  // bounded per wake-up; the deadline ends a client that never stops
    const ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (got > 0) continue;
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    phase_ = ConnectionPhase::kDone;
    wanted_ = 0;
    return;
  }
}

void HubConnection::fail(std::string why) {
  failure_ = std::move(why);
  phase_ = ConnectionPhase::kDone;
  wanted_ = 0;
}

}  // namespace nefia::hub
