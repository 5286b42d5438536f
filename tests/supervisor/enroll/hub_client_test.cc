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

namespace nefia::enroll {
namespace {

constexpr const char* kKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

// One-connection TLS server: reads a request frame (recording whether one arrived) and sends answerBody with a
// header announcing announcedBytes.
class FakeHub {
 public:
  FakeHub(std::string answerBody, std::size_t announcedBytes) {
    std::signal(SIGPIPE, SIG_IGN);  // the client may hang up first, as a real agent does on a pin mismatch
    identity_ = invite::createSelfSignedIdentity("fake-hub").value();
    pin_ = invite::certificatePemSha256(identity_.certificatePem).value();
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answerBody, announcedBytes] {
      auto context = invite::makeServerContext(identity_);
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0 || !context.ok()) return;
      invite::SslPtr ssl(SSL_new(context->get()));
      SSL_set_fd(ssl.get(), fd);
      if (SSL_accept(ssl.get()) == 1) {
        Result<std::string> request = invite::readFrame(ssl.get(), invite::kMaxEnrollRequestBytes);
        requestArrived_ = request.ok();
        if (request.ok()) {
          const auto header = invite::frameHeader(announcedBytes);
          std::string message(reinterpret_cast<const char*>(header.data()), header.size());
          message += answerBody;
          std::size_t written = 0;
          SSL_write_ex(ssl.get(), message.data(), message.size(), &written);
        }
      }
      ::close(fd);
    });
  }
  ~FakeHub() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& pin() const { return pin_; }
  bool requestArrived() const { return requestArrived_; }

 private:
  invite::TlsIdentity identity_;
  std::string pin_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> requestArrived_{false};
};

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
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(probe);  // nothing listens on this port now
  Result<int> fd = connectToHub("127.0.0.1:" + std::to_string(ntohs(address.sin_port)), std::chrono::seconds(2));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().find("refused"), std::string::npos) << fd.error();
  EXPECT_FALSE(connectToHub("not an address", std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace nefia::enroll
