// The HTTPS client against a real hostile TLS server on loopback: a good answer, a dripping server, a lying
// Content-Length, 2 MB answers, wrong certificates, a wrong pin, refused URLs. Every error text is asserted.
#include <gmock/gmock.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/workers/updater/https_client_fixture.h"

namespace nefia::updater::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

HostileTlsServer::Behaviour answering(std::string statusLine, std::string body) {
  return [statusLine, body](SSL* tls, const std::atomic<bool>&) {
    HostileTlsServer::writeAll(tls, HostileTlsServer::answer(statusLine, body));
  };
}

HttpsRequest post(const std::string& url, std::string body) {
  HttpsRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = std::move(body);
  return request;
}

TEST_F(HttpsClientTest, GoodServerAnswersJsonAndGetsTheBearerAndBody) {
  const std::string json = R"({"agent_token":"abc","expires_at":"2027-03-04T18:20:00Z"})";
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", json));
  caClient();
  HttpsRequest request = post(urlOf(server, "/api/agent-tokens/rotate"), R"({"request_id":"r-1"})");
  request.bearerSecret = "secret-token-value";
  HttpsResponse response = run(std::move(request));
  EXPECT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, json);
  EXPECT_THAT(server.lastRequest(), HasSubstr("POST /api/agent-tokens/rotate HTTP/1.1"));
  EXPECT_THAT(server.lastRequest(), HasSubstr("Authorization: Bearer secret-token-value\r\n"));
  EXPECT_THAT(server.lastRequest(), HasSubstr(R"({"request_id":"r-1"})"));
}

TEST_F(HttpsClientTest, ErrorStatusIsAnAnswerNotAFailure) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey,
                          answering("401 Unauthorized", R"({"error":"Agent token is invalid, expired or revoked"})"));
  caClient();
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 401);
  EXPECT_THAT(response.body, HasSubstr("Agent token is invalid"));
}

TEST_F(HttpsClientTest, DrippingServerIsCutAtTheTotalDeadline) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, [](SSL* tls, const std::atomic<bool>& stopping) {
    if (!HostileTlsServer::writeAll(tls, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")) return;
    for (int i = 0; i < 100 && !stopping; ++i) {
      if (!HostileTlsServer::writeAll(tls, "x")) return;
      for (int tick = 0; tick < 10 && !stopping; ++tick) std::this_thread::sleep_for(100ms);
    }
  });
  caClient();
  HttpsRequest request = post(urlOf(server), "{}");
  request.deadline = 1500ms;
  const auto started = std::chrono::steady_clock::now();
  HttpsResponse response = run(std::move(request));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("timed out after 1500 ms (the request's total deadline)"));
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 2500ms);
}

TEST_F(HttpsClientTest, LyingContentLengthIsAnError) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, [](SSL* tls, const std::atomic<bool>&) {
    HostileTlsServer::writeAll(tls, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n12345");
  });
  caClient();
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_FALSE(response.ok);
  EXPECT_EQ(response.body, "");
  EXPECT_THAT(response.error, HasSubstr("the answer ended before its announced length"));
  EXPECT_THAT(response.error, HasSubstr("5 bytes remaining"));
}

TEST_F(HttpsClientTest, TwoMegabytesWithoutLengthAreRejectedAtTheCap) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, [](SSL* tls, const std::atomic<bool>&) {
    if (!HostileTlsServer::writeAll(tls, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")) return;
    const std::string chunk(64 * 1024, 'a');
    for (int i = 0; i < 32; ++i) {
      if (!HostileTlsServer::writeAll(tls, chunk)) return;
    }
  });
  caClient();
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("response larger than 1048576 bytes"));
  EXPECT_EQ(response.body, "");
}

TEST_F(HttpsClientTest, AnnouncedTwoMegabytesAreRejectedBeforeTheBody) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, [](SSL* tls, const std::atomic<bool>&) {
    if (!HostileTlsServer::writeAll(tls, "HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n")) return;
    std::this_thread::sleep_for(2s);  // the client must decide on the header alone
    HostileTlsServer::writeAll(tls, std::string(2 * 1024 * 1024, 'a'));
  });
  caClient();
  const auto started = std::chrono::steady_clock::now();
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1800ms);
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("response larger than 1048576 bytes"));
}

TEST_F(HttpsClientTest, SmallerCapIsHonoured) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", std::string(101, 'b')));
  caClient();
  HttpsRequest request = post(urlOf(server), "{}");
  request.maxResponseBytes = 100;
  HttpsResponse response = run(std::move(request));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("response larger than 100 bytes"));
}

TEST_F(HttpsClientTest, HostnameMismatchFailsVerification) {
  HostileTlsServer server(certs().wrongNameCertificate, certs().wrongNameKey, answering("200 OK", "{}"));
  caClient();
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("certificate verification failed"));
  EXPECT_THAT(response.error,
              HasSubstr("certificate verification failed: SSL: no alternative certificate subject name matches target "
                        "host name '127.0.0.1'"));
  EXPECT_EQ(server.lastRequest(), "");
}

TEST_F(HttpsClientTest, UntrustedCaFailsVerification) {
  HostileTlsServer server(certs().strangerCertificate, certs().strangerKey, answering("200 OK", "{}"));
  caClient();
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error,
              HasSubstr("certificate verification failed: SSL certificate problem: "
                        "unable to get local issuer certificate"));
  EXPECT_EQ(server.lastRequest(), "");
}

TEST_F(HttpsClientTest, MatchingPinIsTrustedWithoutCa) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", R"({"ok":true})"));
  client(HttpsTrust{"", certs().goodPin});
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.body, R"({"ok":true})");
}

TEST_F(HttpsClientTest, PinMismatchFailsVerification) {
  HostileTlsServer server(certs().strangerCertificate, certs().strangerKey, answering("200 OK", "{}"));
  client(HttpsTrust{"", certs().goodPin});
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error,
              HasSubstr("certificate verification failed: the server's public key does not match the pinned key"));
  EXPECT_EQ(server.lastRequest(), "");
}

TEST_F(HttpsClientTest, PinDoesNotExcuseAHostnameMismatch) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", "{}"));
  client(HttpsTrust{"", certs().goodPin});
  HttpsRequest request = post("https://localhost:" + std::to_string(server.port()) + "/", "{}");
  HttpsResponse response = run(std::move(request));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("certificate verification failed: SSL: no alternative certificate subject name "
                                        "matches target host name 'localhost'"));
  EXPECT_EQ(server.lastRequest(), "");
}

TEST_F(HttpsClientTest, PlainHttpIsRefusedBeforeAnyConnection) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", "{}"));
  caClient();
  HttpsRequest request = post("http://127.0.0.1:" + std::to_string(server.port()) + "/", "{}");
  Status started = client_->start(std::move(request), [](HttpsResponse) { ADD_FAILURE() << "completion ran"; });
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error(),
            "refused URL \"http://127.0.0.1:" + std::to_string(server.port()) + "/\": only https:// URLs are allowed");
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server.acceptedConnections(), 0);
  EXPECT_EQ(client_->running(), 0u);
}

TEST_F(HttpsClientTest, RefusedConnectionSaysSo) {
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(probe);  // nothing listens on this port now
  caClient();
  HttpsResponse response = run(post("https://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/", "{}"));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr(": connection refused"));
}

TEST_F(HttpsClientTest, UnreadableCaFileIsNamed) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", "{}"));
  client(HttpsTrust{certs().directory + "/missing-ca.pem", ""});
  HttpsResponse response = run(post(urlOf(server), "{}"));
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("cannot use CA file \"" + certs().directory + "/missing-ca.pem\""));
}

TEST_F(HttpsClientTest, SilentListenerIsCutAtTheDeadlineDuringTheHandshake) {
  // The kernel completes the TCP handshake into the backlog; nobody ever speaks TLS.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  caClient();
  HttpsRequest request = post("https://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/", "{}");
  request.deadline = 800ms;
  const auto started = std::chrono::steady_clock::now();
  HttpsResponse response = run(std::move(request));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  close(listener);
  EXPECT_FALSE(response.ok);
  EXPECT_THAT(response.error, HasSubstr("timed out after 800 ms (the request's total deadline)"));
}

TEST_F(HttpsClientTest, ClientDestroyedMidRequestDropsItAndClosesEverything) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, [](SSL* tls, const std::atomic<bool>& stopping) {
    HostileTlsServer::writeAll(tls, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    while (!stopping) std::this_thread::sleep_for(50ms);
  });
  caClient();
  bool completed = false;
  ASSERT_TRUE(client_->start(post(urlOf(server), "{}"), [&completed](HttpsResponse) { completed = true; }).ok());
  const auto stopAt = std::chrono::steady_clock::now() + 5s;
  while (server.lastRequest().empty() && std::chrono::steady_clock::now() < stopAt) uv_run(&loop_, UV_RUN_NOWAIT);
  ASSERT_FALSE(server.lastRequest().empty());
  client_.reset();  // TearDown then runs the loop dry and requires uv_loop_close() == 0
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_FALSE(completed);
}

TEST_F(HttpsClientTest, CompletionMayStartTheNextRequest) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", "{}"));
  caClient();
  int completed = 0;
  ASSERT_TRUE(client_->start(post(urlOf(server, "/first"), "{}"), [this, &server, &completed](HttpsResponse first) {
    EXPECT_TRUE(first.ok) << first.error;
    ++completed;
    Status next = client_->start(post(urlOf(server, "/second"), "{}"), [&completed](HttpsResponse second) {
      EXPECT_TRUE(second.ok) << second.error;
      ++completed;
    });
    EXPECT_TRUE(next.ok()) << next.error();
  }).ok());
  const auto stopAt = std::chrono::steady_clock::now() + 10s;
  while (completed < 2 && std::chrono::steady_clock::now() < stopAt) uv_run(&loop_, UV_RUN_ONCE);
  EXPECT_EQ(completed, 2);
  EXPECT_THAT(server.lastRequest(), HasSubstr("POST /second HTTP/1.1"));
}

TEST_F(HttpsClientTest, ConcurrentRequestsAllComplete) {
  HostileTlsServer server(certs().goodCertificate, certs().goodKey, answering("200 OK", "{}"));
  caClient();
  int completed = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client_->start(post(urlOf(server), "{}"), [&completed](HttpsResponse response) {
      EXPECT_TRUE(response.ok) << response.error;
      ++completed;
    }).ok());
  }
  const auto stopAt = std::chrono::steady_clock::now() + 10s;
  while (completed < 5 && std::chrono::steady_clock::now() < stopAt) uv_run(&loop_, UV_RUN_ONCE);
  EXPECT_EQ(completed, 5);
}

}  // namespace
}  // namespace nefia::updater::testing
