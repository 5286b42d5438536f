// nefia-cloud's HTTPS listener on Boost.Beast + OpenSSL (TLS 1.2 or newer). Each connection: admitted by the hub's
// ConnectionTable (512 in all, 16 per address), one total deadline from accept (tcp_stream::expires_after, never
// re-armed: handshake, every request and answer), a bounded parser (8 KiB header, 64 KiB body) and buffer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "operator/cloud/cloud_router.h"
#include "operator/connection_table.h"

namespace nefia::cloud {

struct TlsFiles {
  std::string certificatePem;  // PEM text (chain) and key, read from files or made for --self-signed
  std::string privateKeyPem;
};

struct HttpsServerSettings {
  std::string listenAddress = "0.0.0.0";
  uint16_t port = 8443;
  hub::ConnectionLimits connections;  // 512 / 16 per address / 10 s total
  std::size_t maxHeaderBytes = 8 * 1024;
  std::size_t maxBodyBytes = 64 * 1024;
  int threads = 2;
};

class HttpsServer {
 public:
  static Result<std::unique_ptr<HttpsServer>> create(CloudRouter& router, const TlsFiles& tls,
                                                     const HttpsServerSettings& settings);
  ~HttpsServer();
  uint16_t port() const;  // the bound port (settings.port 0 picks one)
  // Serves until stop() or SIGINT/SIGTERM; returns when every thread finished.
  void run();
  void stop();

  struct Impl;

 private:
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nefia::cloud
