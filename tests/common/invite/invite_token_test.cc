// Invite tokens as the operator and the agent see them: round trip, the exact hub errors for tampering, and strict
// refusal of every malformed part with a reason.
#include "common/invite/invite_token.h"

#include <sodium.h>

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/invite/enroll_errors.h"

namespace nefia::invite {
namespace {

Key32 secret(uint8_t fill) {
  Key32 key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = fill;
  return key;
}

InvitePayload samplePayload() {
  InvitePayload payload;
  payload.hostName = "staging-server";
  payload.os = "macos";
  payload.nonce = makeNonce();
  payload.expiresAt = 1900000000;
  payload.enrollAddresses = {"203.0.113.10:19820", "[2001:db8::1]:19820"};
  payload.operatorPublicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
  payload.operatorVpnAddr = "10.99.0.1";
  payload.hubCertSha256 = std::string(64, 'a');
  payload.stun = true;
  return payload;
}

std::string payloadToken(const std::string& json, const Key32& key) {
  std::string token = base64UrlEncode(reinterpret_cast<const uint8_t*>(json.data()), json.size());
  std::array<uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256(mac.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size(), key.data());
  return token + "." + base64UrlEncode(mac.data(), mac.size());
}

TEST(InviteToken, RoundTripsAndStartsLikeTheReference) {
  const InvitePayload payload = samplePayload();
  const std::string token = signInviteToken(payload, secret(7));
  EXPECT_EQ(token.rfind("eyJ", 0), 0u) << token;
  Result<InvitePayload> parsed = parseInviteToken(token);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value(), payload);
  Result<InvitePayload> verified = verifyInviteToken(token, secret(7));
  ASSERT_TRUE(verified.ok()) << verified.error();
  EXPECT_EQ(verified.value(), payload);
}

TEST(InviteToken, WrongSecretIsAnInvalidSignature) {
  const std::string token = signInviteToken(samplePayload(), secret(7));
  Result<InvitePayload> verified = verifyInviteToken(token, secret(8));
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error(), kErrorInvalidSignature);
}

TEST(InviteToken, EveryChangedByteIsRefused) {
  const std::string token = signInviteToken(samplePayload(), secret(7));
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    Result<InvitePayload> verified = verifyInviteToken(tampered, secret(7));
    ASSERT_FALSE(verified.ok()) << "byte " << i;
    EXPECT_EQ(verified.error(), kErrorInvalidSignature) << "byte " << i;
  }
}

TEST(InviteToken, MalformedPartsSayWhatIsWrong) {
  const Key32 key = secret(1);
  EXPECT_NE(parseInviteToken("").error().find("empty"), std::string::npos);
  EXPECT_NE(parseInviteToken("eyJhbGci").error().find("two parts"), std::string::npos);
  EXPECT_NE(parseInviteToken("a.b.c").error().find("two parts"), std::string::npos);
  EXPECT_NE(parseInviteToken("eyJ.short").error().find("signature part"), std::string::npos);
  EXPECT_NE(parseInviteToken(payloadToken("[1,2]", key)).error().find("not a JSON object"), std::string::npos);
  EXPECT_NE(parseInviteToken(payloadToken("{\"version\":", key)).error().find("not valid JSON"), std::string::npos);
  EXPECT_NE(parseInviteToken(std::string(kMaxInviteTokenBytes + 1, 'e')).error().find("8 KiB"), std::string::npos);
}

TEST(InviteToken, FieldsAreCheckedStrictly) {
  const Key32 key = secret(1);
  const std::string good = R"({"version":1,"name":"db","os":"linux","nonce":"n1","expires_at":5,)"
                           R"("enroll_addrs":["192.0.2.1:19820"],)"
                           R"("operator_public_key":"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",)"
                           R"("operator_vpn_addr":"10.99.0.1","hub_cert_sha256":")" +
                           std::string(64, '0') + R"(","stun":false})";
  ASSERT_TRUE(parseInviteToken(payloadToken(good, key)).ok());
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"\"version\":1", "\"version\":2"},           {"\"name\":\"db\"", "\"name\":\"\""},
      {"\"name\":\"db\"", "\"name\":\"a b\""},      {"\"os\":\"linux\"", "\"os\":\"beos\""},
      {"\"nonce\":\"n1\"", "\"nonce\":\"n/1\""},   {"\"expires_at\":5", "\"expires_at\":5.5"},
      {"\"expires_at\":5", "\"expires_at\":-1"},   {"[\"192.0.2.1:19820\"]", "[]"},
      {"[\"192.0.2.1:19820\"]", "[\"192.0.2.1\"]"}, {"\"10.99.0.1\"", "\"10.99.0\""},
      {"\"stun\":false", "\"stun\":0"},             {"\"stun\":false", "\"stun\":false,\"extra\":1"},
      {"\"version\":1,", ""},                       {"8Dg=", "8Dg"},
  };
  for (const auto& [from, to] : edits) {
    std::string json = good;
    json.replace(json.find(from), from.size(), to);
    Result<InvitePayload> parsed = parseInviteToken(payloadToken(json, key));
    ASSERT_FALSE(parsed.ok()) << json;
    EXPECT_EQ(parsed.error().rfind("malformed invite token: ", 0), 0u) << parsed.error();
  }
  std::string upperHex = good;
  upperHex.replace(upperHex.find(std::string(64, '0')), 1, "A");
  EXPECT_FALSE(parseInviteToken(payloadToken(upperHex, key)).ok());
}

TEST(InviteToken, EmptyNonceParsesSoTheHubCanNameIt) {
  InvitePayload payload = samplePayload();
  payload.nonce.clear();
  Result<InvitePayload> verified = verifyInviteToken(signInviteToken(payload, secret(3)), secret(3));
  ASSERT_TRUE(verified.ok()) << verified.error();
  EXPECT_TRUE(verified->nonce.empty());
}

TEST(InviteToken, NoncesAreFreshAndUrlSafe) {
  const std::string first = makeNonce();
  EXPECT_NE(first, makeNonce());
  EXPECT_EQ(first.size(), 22u);
  EXPECT_EQ(first.find_first_of("+/=."), std::string::npos);
}

TEST(EnrollErrors, ResolutionsAreTheReferencesWords) {
  EXPECT_EQ(enrollErrorResolution(kErrorRateLimited), "Wait 30 seconds and retry");
  EXPECT_EQ(enrollErrorResolution(kErrorTokenExpired), "Generate a new token with nefia vpn reinvite");
  EXPECT_EQ(enrollErrorResolution("something else"), "Check the operator logs for details");
}

}  // namespace
}  // namespace nefia::invite
