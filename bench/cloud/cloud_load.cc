// Load generator for nefia-cloud's POST /api/hosts/[hostId]/endpoint: `register` creates N hosts with direct-
// enrollment tokens (only hashes reach the server), `report` sends ROUNDS reports per host over C keep-alive TLS
// connections and prints throughput and latency percentiles. Verifies the server certificate against a CA file.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "operator/cloud/cloud_crypto.h"

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Target {
  std::string host;
  std::string port;
  std::string caFile;
};

// One keep-alive TLS connection; reconnects when the server closed it (its total connection deadline).
class Client {
 public:
  explicit Client(const Target& target) : target_(target), tls_(ssl::context::tls_client) {
    tls_.load_verify_file(target.caFile);
    tls_.set_verify_mode(ssl::verify_peer);
  }

  // Status of one request; retries once on a fresh connection when the kept one was closed.
  int post(const std::string& path, const std::string& authorization, const std::string& body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!stream_) connect();
        http::request<http::string_body> request{http::verb::post, path, 11};
        request.set(http::field::host, target_.host);
        request.set(http::field::authorization, "Bearer " + authorization);
        request.set(http::field::content_type, "application/json");
        request.keep_alive(true);
        request.body() = body;
        request.prepare_payload();
        http::write(*stream_, request);
        http::response<http::string_body> response;
        http::read(*stream_, buffer_, response);
        if (!response.keep_alive()) stream_.reset();
        lastBody_ = response.body();
        return static_cast<int>(response.result_int());
      } catch (const std::exception&) {
        stream_.reset();
        ++reconnects;
      }
    }
    return 0;
  }
  const std::string& lastBody() const { return lastBody_; }
  int reconnects = 0;

 private:
  void connect() {
    buffer_.clear();
    stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, tls_);
    tcp::resolver resolver(io_);
    beast::get_lowest_layer(*stream_).connect(resolver.resolve(target_.host, target_.port));
    stream_->handshake(ssl::stream_base::client);
  }

  Target target_;
  net::io_context io_;
  ssl::context tls_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  std::string lastBody_;
};

const char* kPublicKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

int registerHosts(const Target& target, const std::string& apiKey, int count, const std::string& tokensFile) {
  Client client(target);
  std::ofstream out(tokensFile);
  for (int i = 0; i < count; ++i) {
    const std::string hostId = "h-bench-" + std::to_string(i);
    const std::string token = nefia::cloud::randomToken();
    const nlohmann::json body{{"host_id", hostId}, {"public_key", kPublicKey},
                              {"token_sha256", nefia::cloud::sha256Hex(token)}};
    const int status = client.post("/api/agent-tokens/register", apiKey, body.dump());
    if (status != 201) {
      std::cerr << "register " << hostId << ": status " << status << " " << client.lastBody() << "\n";
      return 1;
    }
    out << hostId << " " << token << "\n";
  }
  return 0;
}

int report(const Target& target, const std::string& tokensFile, int concurrency, int rounds) {
  std::vector<std::pair<std::string, std::string>> hosts;
  std::ifstream in(tokensFile);
  for (std::string id, token; in >> id >> token;) hosts.emplace_back(id, token);
  const std::size_t total = hosts.size() * static_cast<std::size_t>(rounds);
  std::atomic<std::size_t> next{0};
  std::mutex resultMutex;
  std::vector<double> latencies;
  std::map<int, std::size_t> statuses;
  int reconnects = 0;
  const std::string body = R"({"endpoint":"198.51.100.7:51820","local_endpoint":"10.0.0.7:51820","nat_type":"none"})";
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < concurrency; ++w) {
    workers.emplace_back([&] {
      Client client(target);
      std::vector<double> mine;
      std::map<int, std::size_t> myStatuses;
      for (std::size_t i = next++; i < total; i = next++) {
        const auto& [hostId, token] = hosts[i % hosts.size()];
        const auto sent = Clock::now();
        ++myStatuses[client.post("/api/hosts/" + hostId + "/endpoint", token, body)];
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      }
      std::lock_guard lock(resultMutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      for (const auto& [status, count] : myStatuses) statuses[status] += count;
      reconnects += client.reconnects;
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) { return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * latencies.size()))]; };
  std::cout << "hosts=" << hosts.size() << " requests=" << total << " concurrency=" << concurrency
            << " seconds=" << seconds << " throughput_rps=" << static_cast<long>(total / seconds)
            << " p50_ms=" << percentile(0.50) << " p99_ms=" << percentile(0.99)
            << " max_ms=" << latencies.back() << " reconnects=" << reconnects;
  for (const auto& [status, count] : statuses) std::cout << " status_" << status << "=" << count;
  std::cout << "\n";
  return statuses.size() == 1 && statuses.count(200) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::cerr << "usage: cloud_load HOST PORT CA_FILE register API_KEY COUNT TOKENS_FILE\n"
                 "       cloud_load HOST PORT CA_FILE report TOKENS_FILE CONCURRENCY ROUNDS\n";
    return 2;
  }
  const Target target{argv[1], argv[2], argv[3]};
  const std::string mode = argv[4];
  if (mode == "register" && argc == 8) return registerHosts(target, argv[5], std::stoi(argv[6]), argv[7]);
  if (mode == "report" && argc == 8) return report(target, argv[5], std::stoi(argv[6]), std::stoi(argv[7]));
  std::cerr << "cloud_load: unknown mode or wrong arguments\n";
  return 2;
}
