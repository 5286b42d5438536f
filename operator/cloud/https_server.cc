// Pipeline of one connection: 1 admit (ConnectionTable) -> 2 arm the total deadline once -> 3 TLS handshake ->
// 4 read one request with a bounded parser -> 5 route -> 6 write the answer -> 4 again while keep-alive -> 7 TLS
// shutdown. Any error or the deadline ends the connection; nothing here waits without the deadline armed.
#include "operator/cloud/https_server.h"

#include <array>
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "operator/cloud/cloud_log.h"

namespace nefia::cloud {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kReadBufferLimit = 16 * 1024;  // one header (8 KiB) plus what TLS records bring along

class Connection;

std::string_view toStd(beast::string_view text) { return std::string_view(text.data(), text.size()); }

// Shared with every connection, so a connection destroyed while the io_context shuts down still finds it.
struct ConnectionRegistry {
  explicit ConnectionRegistry(const hub::ConnectionLimits& limits) : table(limits) {}
  void forget(uint64_t id) {
    std::lock_guard lock(mutex);
    table.remove(id);
    live.erase(id);
  }
  std::mutex mutex;
  hub::ConnectionTable table;
  std::map<uint64_t, std::weak_ptr<Connection>> live;
  uint64_t nextId = 1;
};

}  // namespace

struct HttpsServer::Impl {
  Impl(CloudRouter& router, const HttpsServerSettings& settings)
      : io(settings.threads),
        tls(ssl::context::tls_server),
        acceptor(net::make_strand(io)),
        retryTimer(acceptor.get_executor()),
        signals(io, SIGINT, SIGTERM),
        router(router),
        settings(settings),
        registry(std::make_shared<ConnectionRegistry>(settings.connections)) {}

  void accept();
  void onAccept(beast::error_code error, tcp::socket socket);

  net::io_context io;
  ssl::context tls;
  tcp::acceptor acceptor;
  net::steady_timer retryTimer;
  net::signal_set signals;
  CloudRouter& router;
  HttpsServerSettings settings;
  std::shared_ptr<ConnectionRegistry> registry;
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, HttpsServer::Impl& server, uint64_t id, std::string address)
      : stream_(std::move(socket), server.tls), server_(server), registry_(server.registry), id_(id),
        address_(std::move(address)), buffer_(kReadBufferLimit) {}
  ~Connection() { registry_->forget(id_); }

  void start() {
    beast::get_lowest_layer(stream_).expires_after(server_.settings.connections.deadline);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Connection::onHandshake, shared_from_this()));
  }

  // Runs on the connection's strand (posted there by the server when the table evicts this connection).
  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }
  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void onHandshake(beast::error_code error) {
    if (!error) readRequest();
  }

  void readRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.settings.maxHeaderBytes));
    parser_->body_limit(server_.settings.maxBodyBytes);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::onRead, shared_from_this()));
  }

  void onRead(beast::error_code error, std::size_t) {
    if (error == http::error::end_of_stream) return shutdown();
    if (error == http::error::body_limit || error == http::error::header_limit) {
      drainBeforeClose_ = true;  // the client may still be sending what was refused
      return respond(error == http::error::body_limit ? errorResponse(413, texts::kBodyTooLarge)
                                                      : errorResponse(431, texts::kHeaderTooLarge),
                     false);
    }
    if (error == beast::error::timeout) return;
    if (error && error.category() == http::make_error_code(http::error::bad_method).category()) {
      return respond(errorResponse(400, "malformed HTTP request"), false);
    }
    if (error) return;
    const auto& request = parser_->get();
    const HttpRequestView view{toStd(request.method_string()), toStd(request.target()),
                               toStd(request[http::field::authorization]), request.body(), address_};
    ApiResponse answer;
    try {
      answer = server_.router.handle(view);
    } catch (const std::exception& failure) {
      cloudLog(LogLevel::kError, "request failed: ", failure.what());
      answer = errorResponse(500, texts::kInternal);
    }
    respond(answer, request.keep_alive());
  }

  void respond(const ApiResponse& answer, bool keepAlive) {
    response_.emplace();
    response_->version(11);
    response_->result(static_cast<http::status>(answer.status));
    response_->set(http::field::content_type, "application/json");
    response_->set(http::field::cache_control, "no-store");
    if (answer.retryAfterSeconds) response_->set(http::field::retry_after, std::to_string(*answer.retryAfterSeconds));
    response_->keep_alive(keepAlive);
    response_->body() = answer.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    response_->prepare_payload();
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Connection::onWrite, shared_from_this(), keepAlive));
  }

  void onWrite(bool keepAlive, beast::error_code error, std::size_t) {
    if (error) return;
    response_.reset();
    if (keepAlive) return readRequest();
    if (drainBeforeClose_) return drain();
    shutdown();
  }

  // A lingering close: the answer to a refused request went out while the client may still be sending the
  // request; closing with its bytes unread would reset the connection and can destroy the answer in the
  // client's receive buffer. So read and drop what comes (at most kMaxDrainBytes, within the connection's
  // total deadline), then shut down.
  void drain() {
    stream_.async_read_some(net::buffer(drainScratch_),
                            [self = shared_from_this()](beast::error_code error, std::size_t length) {
                              self->drained_ += length;
                              if (error || self->drained_ > kMaxDrainBytes) return self->shutdown();
                              self->drain();
                            });
  }

  void shutdown() {
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  HttpsServer::Impl& server_;
  std::shared_ptr<ConnectionRegistry> registry_;
  uint64_t id_;
  std::string address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  static constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
  bool drainBeforeClose_ = false;
  std::size_t drained_ = 0;
  std::array<char, 4096> drainScratch_{};
};

}  // namespace

void HttpsServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    onAccept(error, std::move(socket));
  });
}

void HttpsServer::Impl::onAccept(beast::error_code error, tcp::socket socket) {
  if (!acceptor.is_open()) return;
  if (error) {  // out of fds and the like: try again shortly instead of spinning
    retryTimer.expires_after(std::chrono::milliseconds(50));
    retryTimer.async_wait([this](beast::error_code) { accept(); });
    return;
  }
  beast::error_code peerError;
  const auto peer = socket.remote_endpoint(peerError);
  if (peerError) return accept();
  const std::string address = peer.address().to_string();
  std::shared_ptr<Connection> connection;
  std::shared_ptr<Connection> evicted;
  {
    std::lock_guard lock(registry->mutex);
    const uint64_t id = registry->nextId++;
    const auto admission = registry->table.admit(id, hub::addressKeyFor(address), std::chrono::steady_clock::now());
    if (admission.admission == hub::Admission::kAccepted) {
      connection = std::make_shared<Connection>(std::move(socket), *this, id, address);
      registry->live[id] = connection;
      if (admission.evicted) {
        evicted = registry->live[*admission.evicted].lock();
        registry->live.erase(*admission.evicted);
      }
    }
  }
  if (evicted) net::post(evicted->executor(), [evicted] { evicted->close(); });
  if (connection) connection->start();
  accept();
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsServer::~HttpsServer() = default;

Result<std::unique_ptr<HttpsServer>> HttpsServer::create(CloudRouter& router, const TlsFiles& tlsFiles,
                                                         const HttpsServerSettings& settings) {
  auto impl = std::make_unique<Impl>(router, settings);
  try {
    impl->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                          ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(impl->tls.native_handle(), TLS1_2_VERSION);
    impl->tls.use_certificate_chain(net::buffer(tlsFiles.certificatePem));
    impl->tls.use_private_key(net::buffer(tlsFiles.privateKeyPem), ssl::context::pem);
  } catch (const boost::system::system_error& failure) {
    return makeError(std::string("cannot use the TLS certificate and key: ") + failure.what());
  }
  beast::error_code error;
  const auto address = net::ip::make_address(settings.listenAddress, error);
  if (error) return makeError("--listen " + settings.listenAddress + ": not an IP address");
  const tcp::endpoint endpoint(address, settings.port);
  impl->acceptor.open(endpoint.protocol(), error);
  if (!error) impl->acceptor.set_option(net::socket_base::reuse_address(true), error);
  if (!error) impl->acceptor.bind(endpoint, error);
  if (!error) impl->acceptor.listen(net::socket_base::max_listen_connections, error);
  if (error) {
    return makeError("cannot listen on " + settings.listenAddress + ":" + std::to_string(settings.port) + ": " +
                     error.message());
  }
  // Armed before anyone can learn the port, so a SIGTERM right after start-up is a clean stop too.
  std::unique_ptr<HttpsServer> server(new HttpsServer(std::move(impl)));
  server->impl_->signals.async_wait([raw = server.get()](beast::error_code error, int) {
    if (!error) raw->stop();
  });
  return server;
}

uint16_t HttpsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpsServer::run() {
  net::post(impl_->acceptor.get_executor(), [this] { impl_->accept(); });
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->settings.threads; ++i) threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& thread : threads) thread.join();
}

void HttpsServer::stop() { impl_->io.stop(); }

}  // namespace nefia::cloud
