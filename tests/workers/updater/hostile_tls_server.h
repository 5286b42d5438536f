// A real TLS server on 127.0.0.1 for the HTTPS client's tests: it reads one request per connection and then
// behaves as told (answers, drips, lies about its length, floods). One connection at a time, in its own thread.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace nefia::updater::testing {

class HostileTlsServer {
 public:
  // Called with the TLS session after the request head was read; `stopping` turns true when the test ends.
  using Behaviour = std::function<void(SSL* tls, const std::atomic<bool>& stopping)>;

  HostileTlsServer(const std::string& certificateFile, const std::string& keyFile, Behaviour behaviour);
  ~HostileTlsServer();

  uint16_t port() const { return port_; }
  int acceptedConnections() const { return accepted_.load(); }
  std::string lastRequest();  // head and whatever body arrived with it

  // Writes all of text; false once the peer is gone.
  static bool writeAll(SSL* tls, const std::string& text);
  static std::string answer(const std::string& statusLine, const std::string& body);

 private:
  void serve();
  void serveOne(int connection);

  SSL_CTX* context_ = nullptr;
  int listener_ = -1;
  uint16_t port_ = 0;
  Behaviour behaviour_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::string lastRequest_;
  std::thread thread_;
};

}  // namespace nefia::updater::testing
