// Bootstrap codes: HS256 only (none and HS512 refused even with the right key), exp enforced to the second,
// signature and claims checked.
#include "operator/cloud/bootstrap_code.h"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>

#include "common/base64.h"

namespace nefia::cloud {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr UnixSeconds kNow = 1'800'000'000;

BootstrapClaims claims() { return {"nonce-aaaaaaaaaaaaaaa", "t-team", "h-host", kNow, kNow + 300}; }

std::string encodeWith(jwt_alg_t algorithm, const std::string& key) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  jwt_add_grant(jwt, "nonce", "nonce-aaaaaaaaaaaaaaa");
  jwt_add_grant(jwt, "team_id", "t-team");
  jwt_add_grant(jwt, "host_id", "h-host");
  jwt_add_grant_int(jwt, "iat", kNow);
  jwt_add_grant_int(jwt, "exp", kNow + 300);
  jwt_set_alg(jwt, algorithm, key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
              static_cast<int>(key.size()));
  char* text = jwt_encode_str(jwt);
  std::string code = text ? text : "";
  std::free(text);
  jwt_free(jwt);
  return code;
}

TEST(BootstrapCode, RoundTripsItsClaims) {
  const std::string code = signBootstrapCode(claims(), kKey);
  ASSERT_FALSE(code.empty());
  const auto verified = verifyBootstrapCode(code, kKey, kNow + 299);
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->nonce, "nonce-aaaaaaaaaaaaaaa");
  EXPECT_EQ(verified->teamId, "t-team");
  EXPECT_EQ(verified->hostId, "h-host");
  EXPECT_EQ(verified->expiresAt, kNow + 300);
}

TEST(BootstrapCode, IsRefusedFromItsExpiry) {
  const std::string code = signBootstrapCode(claims(), kKey);
  EXPECT_FALSE(verifyBootstrapCode(code, kKey, kNow + 300).has_value());
}

TEST(BootstrapCode, IsRefusedWithAnotherKeyOrAChangedByte) {
  std::string code = signBootstrapCode(claims(), kKey);
  EXPECT_FALSE(verifyBootstrapCode(code, kKey + "x", kNow).has_value());
  const std::size_t payloadStart = code.find('.') + 1;
  code[payloadStart + 3] = code[payloadStart + 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifyBootstrapCode(code, kKey, kNow).has_value());
  EXPECT_FALSE(verifyBootstrapCode("", kKey, kNow).has_value());
  EXPECT_FALSE(verifyBootstrapCode("not.a.jwt", kKey, kNow).has_value());
}

TEST(BootstrapCode, OnlyHs256IsAccepted) {
  const std::string hs512 = encodeWith(JWT_ALG_HS512, kKey);
  ASSERT_FALSE(hs512.empty());
  EXPECT_FALSE(verifyBootstrapCode(hs512, kKey, kNow).has_value());
  const std::string header = R"({"alg":"none","typ":"JWT"})";
  const std::string payload =
      R"({"nonce":"nonce-aaaaaaaaaaaaaaa","team_id":"t-team","host_id":"h-host","iat":1800000000,"exp":1800000300})";
  const std::string unsigned_ = base64UrlEncode(reinterpret_cast<const uint8_t*>(header.data()), header.size()) + "." +
                                base64UrlEncode(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()) + ".";
  EXPECT_FALSE(verifyBootstrapCode(unsigned_, kKey, kNow).has_value());
  EXPECT_TRUE(verifyBootstrapCode(encodeWith(JWT_ALG_HS256, kKey), kKey, kNow).has_value()) << "control";
}

TEST(BootstrapCode, AMissingOrWronglyTypedClaimIsRefused) {
  jwt_t* jwt = nullptr;
  ASSERT_EQ(jwt_new(&jwt), 0);
  jwt_add_grant(jwt, "nonce", "nonce-aaaaaaaaaaaaaaa");
  jwt_add_grant(jwt, "team_id", "t-team");
  jwt_add_grant_int(jwt, "iat", kNow);
  jwt_add_grant(jwt, "exp", "tomorrow");
  jwt_add_grant(jwt, "host_id", "h");
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kKey.data()), static_cast<int>(kKey.size()));
  char* text = jwt_encode_str(jwt);
  const std::string code = text;
  std::free(text);
  jwt_free(jwt);
  EXPECT_FALSE(verifyBootstrapCode(code, kKey, kNow).has_value());
}

}  // namespace
}  // namespace nefia::cloud
