// The enrollment messages and frames: round trips, refusal of wrong types, and the 1 MB response limit.
#include "common/invite/enroll_protocol.h"

#include <gtest/gtest.h>

namespace nefia::invite {
namespace {

constexpr const char* kKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

TEST(EnrollProtocol, RequestRoundTrips) {
  EnrollRequest request;
  request.token = "eyJ.x";
  request.publicKey = kKey;
  request.listenPort = 51820;
  request.sshHostKeys = {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"};
  request.localEndpoint = "192.168.1.5:51820";
  request.facts = {"db1", "linux", "x86_64", "v0.1.0"};
  Result<EnrollRequest> parsed = parseRequest(serializeRequest(request));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value(), request);
}

TEST(EnrollProtocol, RequestFieldsAreTypeChecked) {
  EXPECT_FALSE(parseRequest("garbage").ok());
  EXPECT_FALSE(parseRequest(R"({"public_key":"short","listen_port":1})").ok());
  EXPECT_FALSE(parseRequest(std::string(R"({"public_key":")") + kKey + R"(","listen_port":70000})").ok());
  EXPECT_FALSE(parseRequest(std::string(R"({"public_key":")") + kKey + R"(","listen_port":1,"token":5})").ok());
  EXPECT_FALSE(
      parseRequest(std::string(R"({"public_key":")") + kKey + R"(","listen_port":1,"ssh_host_keys":[1]})").ok());
}

TEST(EnrollProtocol, ResponsesCarryEitherAnErrorOrTheWholeTunnel) {
  EnrollResponse success{"", "db1", "10.99.0.5/24", kKey, "192.0.2.1:51821", "10.99.0.1", "h-1"};
  Result<EnrollResponse> parsed = parseResponse(serializeResponse(success));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value(), success);
  EnrollResponse failure;
  failure.error = "token has expired";
  parsed = parseResponse(serializeResponse(failure));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->error, "token has expired");
  EXPECT_FALSE(parseResponse(R"({"name":"db1"})").ok());
}

TEST(EnrollProtocol, FrameLengthEnforcesTheLimit) {
  EXPECT_EQ(frameLength(frameHeader(kMaxEnrollResponseBytes), kMaxEnrollResponseBytes).value(),
            kMaxEnrollResponseBytes);
  Result<std::size_t> tooLarge = frameLength(frameHeader(kMaxEnrollResponseBytes + 1), kMaxEnrollResponseBytes);
  ASSERT_FALSE(tooLarge.ok());
  EXPECT_NE(tooLarge.error().find("exceeds the limit of 1048576 bytes"), std::string::npos);
  EXPECT_FALSE(frameLength(frameHeader(0), 10).ok());
}

}  // namespace
}  // namespace nefia::invite
