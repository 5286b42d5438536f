// The agent's hub client against an in-process TLS server on loopback: a matching pin enrolls, a different
// certificate is refused before the request is sent, an answer above 1 MB is rejected, a closed port fails fast.
#include "supervisor/enroll/hub_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "common/invite/tls_channel.h"
#include "tests/supervisor/enroll/fake_hub.h"
#include "tests/common/loopback_port.h"

namespace nefia::enroll {
namespace {

constexpr const char* kKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

invite::EnrollRequest sampleRequest() {
  invite::EnrollRequest request;
  request.token = "eyJ.x";
  request.publicKey = kKey;
  request.listenPort = 51820;
  return request;
}

Result<invite::EnrollResponse> talkTo(const FakeHub& hub, const std::string& pin) {
  Result<int> fd = connectToHub(hub.address(), std::chrono::seconds(2));
  if (!fd.ok()) return makeError(fd.error());
  return exchangeWithHub(fd.value(), hub.address(), pin, sampleRequest(), std::chrono::seconds(5)).answer;
}

TEST(HubClient, MatchingPinGetsTheAnswer) {
  const std::string body = R"({"error":"token has expired"})";
  FakeHub hub(body, body.size());
  Result<invite::EnrollResponse> response = talkTo(hub, hub.pin());
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->error, "token has expired");
}

TEST(HubClient, OtherCertificateIsRefusedBeforeTheRequest) {
  const std::string body = R"({"error":"x"})";
  FakeHub hub(body, body.size());
  Result<invite::EnrollResponse> response = talkTo(hub, std::string(64, 'a'));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().find("does not match the invite token"), std::string::npos) << response.error();
  EXPECT_FALSE(hub.requestArrived());
}

TEST(HubClient, AnswerAboveOneMegabyteIsRejected) {
  FakeHub hub(std::string(64 * 1024, ' '), invite::kMaxEnrollResponseBytes + 1);
  Result<invite::EnrollResponse> response = talkTo(hub, hub.pin());
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().find("exceeds the limit of 1048576 bytes"), std::string::npos) << response.error();
}

TEST(HubClient, ClosedPortFailsAtOnce) {
  const uint16_t closedPort = nefia::test::freeLoopbackPort();  // nothing listens on this port now
  Result<int> fd = connectToHub("127.0.0.1:" + std::to_string(closedPort), std::chrono::seconds(2));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().find("refused"), std::string::npos) << fd.error();
  EXPECT_FALSE(connectToHub("not an address", std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace nefia::enroll
