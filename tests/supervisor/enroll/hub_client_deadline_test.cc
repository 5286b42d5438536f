// The enrollment client's total deadline and its messages: a hub that drips its answer, one that never finishes
// the TLS handshake, a hub that refuses the connection as busy, and a pin mismatch that no retry can fix.
#include "supervisor/enroll/hub_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "common/invite/tls_channel.h"
#include "tests/supervisor/enroll/one_shot_server.h"

namespace nefia::enroll {
namespace {

using std::chrono::milliseconds;

struct Timed {
  HubExchange exchange;
  milliseconds took;
};

Timed exchangeWith(const OneShotServer& server, const std::string& pin, milliseconds deadline) {
  const auto start = std::chrono::steady_clock::now();
  Result<int> fd = connectToHub(server.address(), std::chrono::seconds(2));
  EXPECT_TRUE(fd.ok()) << (fd.ok() ? "" : fd.error());
  invite::EnrollRequest request;
  request.token = "eyJ.x";
  request.publicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
  HubExchange exchange = exchangeWithHub(fd.ok() ? fd.value() : -1, server.address(), pin, request, deadline);
  return {std::move(exchange),
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start)};
}

TEST(HubClientDeadline, AHubThatDripsItsAnswerRunsIntoTheExchangeDeadline) {
  const invite::TlsIdentity identity = invite::createSelfSignedIdentity("drip").value();
  OneShotServer server([&identity](int fd) {
    invite::SslPtr ssl = acceptTls(identity, fd);
    if (!ssl || !invite::readFrame(ssl.get(), invite::kMaxEnrollRequestBytes).ok()) return;
    const auto header = invite::frameHeader(1000);
    std::string answer(reinterpret_cast<const char*>(header.data()), header.size());
    answer += std::string(996, ' ');
    // One byte every 100 ms for at most 4 s: every read sees progress long before a per-read timeout.
    for (std::size_t i = 0; i < 40 && i < answer.size(); ++i) {
      std::size_t written = 0;
      if (SSL_write_ex(ssl.get(), &answer[i], 1, &written) != 1) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  const Timed result =
      exchangeWith(server, invite::certificatePemSha256(identity.certificatePem).value(), milliseconds(1000));
  ASSERT_FALSE(result.exchange.answer.ok());
  EXPECT_EQ(result.exchange.answer.error(), "no complete answer from the hub at " + server.address() +
                                                " arrived within the 1 s enrollment deadline (TLS handshake, "
                                                "request and answer together)");
  EXPECT_TRUE(result.exchange.retryCanSucceed) << "the hub may have enrolled the key: keep it for the retry";
  EXPECT_LT(result.took.count(), 2500) << "the deadline is total, not per read";
}

TEST(HubClientDeadline, AServerThatNeverAnswersTheHandshakeRunsIntoTheDeadline) {
  OneShotServer server([](int fd) {  // reads the ClientHello, answers nothing, until the client gives up (<= 3 s)
    const auto end = std::chrono::steady_clock::now() + milliseconds(3000);
    char unread[4096];
    while (std::chrono::steady_clock::now() < end) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 100) == 1 && ::recv(fd, unread, sizeof unread, 0) <= 0) return;
    }
  });
  const Timed result = exchangeWith(server, std::string(64, 'a'), milliseconds(500));
  ASSERT_FALSE(result.exchange.answer.ok());
  EXPECT_EQ(result.exchange.answer.error(),
            "the TLS handshake with " + server.address() +
                " did not finish within the 500 ms enrollment deadline (TLS handshake, request and answer together); "
                "the hub may be overloaded, or another service answers on that port");
  EXPECT_LT(result.took.count(), 2000);
}

TEST(HubClientDeadline, TheHubsRefusalAlertIsReportedAsBusy) {
  OneShotServer server([](int fd) {
    const unsigned char accessDenied[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 49};
    ASSERT_EQ(::send(fd, accessDenied, sizeof accessDenied, 0), static_cast<ssize_t>(sizeof accessDenied));
    ::shutdown(fd, SHUT_WR);
    char unread[4096];
    while (::recv(fd, unread, sizeof unread, 0) > 0) {
    }
  });
  const Timed result = exchangeWith(server, std::string(64, 'a'), milliseconds(5000));
  ASSERT_FALSE(result.exchange.answer.ok());
  EXPECT_EQ(result.exchange.answer.error(),
            "the hub at " + server.address() + " is busy: it refused the connection because it already holds its "
            "maximum number of connections, or too many from this address; wait a minute and retry");
  EXPECT_EQ(result.exchange.answer.error().find("is `nefia vpn hub` running there?"), std::string::npos);
  EXPECT_TRUE(result.exchange.retryCanSucceed);
}

TEST(HubClientDeadline, APinMismatchCannotBeFixedByRetrying) {
  const invite::TlsIdentity identity = invite::createSelfSignedIdentity("other").value();
  OneShotServer server([&identity](int fd) {
    invite::SslPtr ssl = acceptTls(identity, fd);
    if (ssl) (void)invite::readFrame(ssl.get(), invite::kMaxEnrollRequestBytes);
  });
  const Timed result = exchangeWith(server, std::string(64, 'a'), milliseconds(5000));
  ASSERT_FALSE(result.exchange.answer.ok());
  EXPECT_NE(result.exchange.answer.error().find("does not match the invite token"), std::string::npos);
  EXPECT_FALSE(result.exchange.retryCanSucceed);
}

}  // namespace
}  // namespace nefia::enroll
