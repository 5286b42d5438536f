// The router: API.md's paths, methods and credentials, path parameters checked before the store, and the per-IP
// limit (429 "too many enrollment requests" with Retry-After, one bucket per address, IPv6 by /64).
#include "operator/cloud/cloud_router.h"

#include <gtest/gtest.h>

#include "operator/cloud/cloud_crypto.h"
#include "tests/operator/cloud/store_fixture.h"

namespace nefia::cloud {
namespace {

class CloudRouterTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_TRUE(store_->addApiKey(teamId_, sha256Hex("nfk_router")).ok());
    service_ = std::move(CloudService::create(*store_, {}).value());
    router_ = std::make_unique<CloudRouter>(*service_, hub::RateLimiterSettings{3, std::chrono::milliseconds(1000), 16},
                                            [this] { return now_; });
  }
  ApiResponse call(std::string_view method, std::string_view target, std::string_view authorization = "",
                   std::string_view body = "", std::string address = "192.0.2.10") {
    return router_->handle({method, target, authorization, body, std::move(address)});
  }
  static std::string errorOf(const ApiResponse& response) { return response.body.value("error", ""); }

  hub::SteadyTime now_{};
  std::unique_ptr<CloudService> service_;
  std::unique_ptr<CloudRouter> router_;
};

TEST_F(CloudRouterTest, UnknownPathsMethodsAndCredentials) {
  EXPECT_EQ(errorOf(call("GET", "/api/nothing")), "no such endpoint");
  now_ += std::chrono::seconds(10);
  EXPECT_EQ(errorOf(call("GET", "/api/agent-tokens/rotate")), "method not allowed");
  EXPECT_EQ(errorOf(call("POST", "/api/agent-tokens/rotate", "Basic abc")), "missing or malformed Authorization header");
  now_ += std::chrono::seconds(10);
  EXPECT_EQ(errorOf(call("POST", "/api/enrollment/sessions", "Bearer nfk_wrong", R"({"nonce":"nonce-aaaaaaaaaaaaaaa"})")),
            "invalid API key");
  EXPECT_EQ(errorOf(call("GET", "/api/enrollment/sessions/short/result", "Bearer nfk_router")),
            "Enrollment session not found");
  EXPECT_EQ(errorOf(call("POST", "/api/hosts/bad%20id/endpoint", "Bearer x", "{}")), "no such endpoint");
}

TEST_F(CloudRouterTest, RoutesToTheServiceWithBodyErrorsFirst) {
  EXPECT_EQ(errorOf(call("POST", "/api/enrollment/sessions", "bearer nfk_router", "{")), "request body is not valid JSON");
  const ApiResponse created =
      call("POST", "/api/enrollment/sessions?x=1", "bearer nfk_router", R"({"nonce":"nonce-aaaaaaaaaaaaaaa"})");
  EXPECT_EQ(created.status, 201);
  now_ += std::chrono::seconds(10);
  EXPECT_EQ(call("GET", "/api/enrollment/sessions/nonce-aaaaaaaaaaaaaaa/result", "Bearer nfk_router").status, 202);
  EXPECT_EQ(call("GET", "/api/enrollment/sessions/nonce-aaaaaaaaaaaaaaa/answer").status, 202);
  EXPECT_EQ(errorOf(call("POST", "/api/agent-tokens/rotate", "Bearer unknown-token", R"({"request_id":"0123456789abcdef"})")),
            "Agent token is invalid, expired or revoked");
}

TEST_F(CloudRouterTest, PerIpLimitAnswers429WithRetryAfterPerAddress) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("GET", "/x").status, 404) << i;
  const ApiResponse limited = call("GET", "/x");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(errorOf(limited), "too many enrollment requests");
  EXPECT_EQ(limited.retryAfterSeconds, 1);
  EXPECT_EQ(call("GET", "/x", "", "", "192.0.2.11").status, 404) << "another address has its own bucket";
  for (int i = 0; i < 3; ++i) (void)call("GET", "/x", "", "", "2001:db8::1");
  EXPECT_EQ(call("GET", "/x", "", "", "2001:db8::2").status, 429) << "one IPv6 /64 is one address";
  now_ += std::chrono::seconds(1);
  EXPECT_EQ(call("GET", "/x").status, 404);
}

TEST_F(CloudRouterTest, EachEndpointRefusesTheOtherMethod) {
  const std::pair<const char*, const char*> wrong[] = {
      {"GET", "/api/enrollment/sessions"},
      {"GET", "/api/enrollment/sessions/nonce-aaaaaaaaaaaaaaa/submit"},
      {"POST", "/api/enrollment/sessions/nonce-aaaaaaaaaaaaaaa/result"},
      {"PUT", "/api/enrollment/sessions/nonce-aaaaaaaaaaaaaaa/answer"},
      {"GET", "/api/agent-tokens/bootstrap/exchange"},
      {"GET", "/api/agent-tokens/register"},
      {"GET", "/api/hosts/h-1/endpoint"},
  };
  for (const auto& [method, path] : wrong) {
    now_ += std::chrono::seconds(10);
    EXPECT_EQ(errorOf(call(method, path)), "method not allowed") << method << " " << path;
  }
  now_ += std::chrono::seconds(10);
  EXPECT_EQ(errorOf(call("POST", "/api/agent-tokens/other", "Bearer x", "{}")), "no such endpoint");
  EXPECT_EQ(errorOf(call("POST", "/api/enrollment/sessions/nonce-aaaaaaaaaaaaaaa/answer", "", "{}")),
            "missing or malformed Authorization header");
}

TEST(BearerCredential, AcceptsOnlyOneVisibleToken) {
  EXPECT_EQ(bearerCredential("Bearer abc").value(), "abc");
  EXPECT_EQ(bearerCredential("BEARER abc").value(), "abc");
  EXPECT_FALSE(bearerCredential("Bearer ").has_value());
  EXPECT_FALSE(bearerCredential("Bearer a b").has_value());
  EXPECT_FALSE(bearerCredential("Token abc").has_value());
  EXPECT_FALSE(bearerCredential("Bearer " + std::string(513, 'a')).has_value());
}

}  // namespace
}  // namespace nefia::cloud
