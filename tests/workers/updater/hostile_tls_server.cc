// A real TLS server on 127.0.0.1 for the HTTPS client's tests (see hostile_tls_server.h).
// Every blocking call is bounded (poll with 100 ms, socket timeouts of 5 s), so a test never hangs on it.
#include "tests/workers/updater/hostile_tls_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace nefia::updater::testing {

HostileTlsServer::HostileTlsServer(const std::string& certificateFile, const std::string& keyFile,
                                   Behaviour behaviour)
    : behaviour_(std::move(behaviour)) {
  context_ = SSL_CTX_new(TLS_server_method());
  if (context_ == nullptr || SSL_CTX_use_certificate_chain_file(context_, certificateFile.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context_, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("test server: cannot load " + certificateFile);
  }
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || listen(listener_, 8) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("test server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HostileTlsServer::~HostileTlsServer() {
  stopping_ = true;
  thread_.join();
  close(listener_);
  SSL_CTX_free(context_);
}

std::string HostileTlsServer::lastRequest() {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastRequest_;
}

bool HostileTlsServer::writeAll(SSL* tls, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const int sent = SSL_write(tls, text.data() + written, static_cast<int>(text.size() - written));
    if (sent <= 0) return false;
    written += static_cast<size_t>(sent);
  }
  return true;
}

std::string HostileTlsServer::answer(const std::string& statusLine, const std::string& body) {
  return "HTTP/1.1 " + statusLine + "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

void HostileTlsServer::serve() {
  while (!stopping_) {
    pollfd waiting{listener_, POLLIN, 0};
    if (poll(&waiting, 1, 100) <= 0) continue;
    const int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    ++accepted_;
    serveOne(connection);
    close(connection);
  }
}

void HostileTlsServer::serveOne(int connection) {
  timeval fiveSeconds{5, 0};
  setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &fiveSeconds, sizeof(fiveSeconds));
  setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &fiveSeconds, sizeof(fiveSeconds));
  SSL* tls = SSL_new(context_);
  SSL_set_fd(tls, connection);
  if (SSL_accept(tls) == 1) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      const int got = SSL_read(tls, buffer, sizeof(buffer));
      if (got <= 0) break;
      request.append(buffer, static_cast<size_t>(got));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      lastRequest_ = request;
    }
    behaviour_(tls, stopping_);
    SSL_shutdown(tls);
  }
  SSL_free(tls);
}

}  // namespace nefia::updater::testing
