// One enrollment connection on the hub as a non-blocking state machine: TLS handshake, one request frame, one answer
// frame, close. It never blocks and never buffers more than one request (64 KiB + header) of its own.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

#include "common/invite/tls_channel.h"

namespace nefia::hub {

enum class ConnectionPhase {
  kHandshake,
  kReadingRequest,
  kAwaitingAnswer,  // request() or requestProblem() is set; the server computes the answer
  kWritingAnswer,
  kClosing,  // answer handed to the kernel, close_notify and FIN sent; waiting for the client's FIN
  kDone,     // finished or failed (failure() says why); the server drops it
};
const char* toString(ConnectionPhase phase);

class HubConnection {
 public:
  // Owns fd (non-blocking). peer: the client's IP for messages.
  HubConnection(int fd, std::string peer, SSL_CTX* context, std::size_t maxRequestBytes);
  ~HubConnection();
  HubConnection(const HubConnection&) = delete;
  HubConnection& operator=(const HubConnection&) = delete;

  // Moves on as far as the socket allows without blocking.
  void advance();
  // Queues the answer frame's body (phase must be kAwaitingAnswer) and starts writing it.
  void answer(std::string body);

  ConnectionPhase phase() const { return phase_; }
  short pollEvents() const { return wanted_; }  // POLLIN and/or POLLOUT; 0 while awaiting the answer
  int fd() const { return fd_; }
  const std::string& peer() const { return peer_; }
  const std::string& request() const { return request_; }
  // A frame the hub will not read (bad length): the connection gets an answer but is charged no request.
  const std::string& requestProblem() const { return requestProblem_; }
  const std::string& failure() const { return failure_; }

 private:
  bool waitFor(int sslResult, const char* what);
  void handshake();
  void readRequest();
  void writeAnswer();
  void drainUntilClosed();
  void fail(std::string why);

  int fd_;
  std::string peer_;
  invite::SslPtr ssl_;
  std::size_t maxRequestBytes_;
  ConnectionPhase phase_ = ConnectionPhase::kHandshake;
  short wanted_ = 0;
  std::string input_;  // header, then header + body
  std::string request_;
  std::string requestProblem_;
  std::string output_;
  std::size_t written_ = 0;
  std::string failure_;
};

}  // namespace nefia::hub
