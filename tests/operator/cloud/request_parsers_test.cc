// Request parsers: each field rule's exact 400 text, the JSON shape errors, and the nesting bound.
#include "operator/cloud/request_parsers.h"

#include <gtest/gtest.h>

namespace nefia::cloud {
namespace {

const std::string kKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

TEST(RequestParsers, ShapeErrors) {
  EXPECT_EQ(parseRotate("{").error(), "request body is not valid JSON");
  EXPECT_EQ(parseRotate("[]").error(), "request body must be a JSON object");
  EXPECT_EQ(parseRotate("{}").error(), "field \"request_id\" is missing");
  EXPECT_EQ(parseRotate(R"({"request_id": 5})").error(), "field \"request_id\" must be a string");
  EXPECT_EQ(parseRotate(std::string(17, '[') + std::string(17, ']')).error(),
            "request body nests deeper than 16 levels");
  EXPECT_EQ(parseRotate(R"({"request_id": "short"})").error(),
            "field \"request_id\" is not valid: must be 16 to 128 characters of A-Z a-z 0-9 _ -");
  EXPECT_EQ(parseRotate(R"({"request_id": "0123456789abcdef"})").value().requestId, "0123456789abcdef");
}

TEST(RequestParsers, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string body = R"({"request_id": "0123456789abcdef", "x": ")" + std::string(40, '[') + "\"}";
  EXPECT_TRUE(parseRotate(body).ok());
}

TEST(RequestParsers, CreateSession) {
  auto parsed = parseCreateSession(R"({"nonce": "nonce-aaaaaaaaaaaaaaa", "expected_host_id": "h-1"})");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().ttlSeconds, 3600);
  EXPECT_EQ(parseCreateSession(R"({"nonce": "short"})").error(),
            "field \"nonce\" is not valid: must be 16 to 64 characters of A-Z a-z 0-9 _ -");
  EXPECT_EQ(parseCreateSession(R"({"nonce": "nonce-aaaaaaaaaaaaaaa", "expected_host_id": "a b"})").error(),
            "field \"expected_host_id\" is not valid: must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(parseCreateSession(R"({"nonce": "nonce-aaaaaaaaaaaaaaa", "ttl_seconds": 59})").error(),
            "field \"ttl_seconds\" is not valid: must be an integer from 60 to 604800");
  EXPECT_EQ(parseCreateSession(R"({"nonce": "nonce-aaaaaaaaaaaaaaa", "ttl_seconds": "1"})").error(),
            "field \"ttl_seconds\" is not valid: must be an integer from 60 to 604800");
}

TEST(RequestParsers, AgentSubmission) {
  const std::string good = R"({"host_id": "h-1", "public_key": ")" + kKey +
                           R"(", "endpoint": "198.51.100.7:51820", "nat_type": "symmetric", "invite_token": "eyJ"})";
  auto parsed = parseAgentSubmission(good);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed.value().localEndpoint, "");
  EXPECT_EQ(parseAgentSubmission(R"({"public_key": "abc"})").error(),
            "field \"public_key\" is not valid: must be the base64 of a 32-byte WireGuard key");
  const std::string badNat = R"({"public_key": ")" + kKey + R"(", "endpoint": "198.51.100.7:1", "nat_type": "x"})";
  EXPECT_EQ(parseAgentSubmission(badNat).error(),
            "field \"nat_type\" is not valid: must be one of none, full_cone, restricted_cone, "
            "port_restricted_cone, symmetric, unknown");
  const std::string badEndpoint = R"({"public_key": ")" + kKey + R"(", "endpoint": "nowhere"})";
  EXPECT_EQ(parseAgentSubmission(badEndpoint).error().rfind("field \"endpoint\" is not valid: ", 0), 0u);
  const std::string noHost = R"({"public_key": ")" + kKey +
                             R"(", "endpoint": "[2001:db8::1]:51820", "nat_type": "none", "invite_token": "eyJ"})";
  EXPECT_EQ(parseAgentSubmission(noHost).value().hostId, "");
}

TEST(RequestParsers, ExchangeRegisterAnswerEndpoint) {
  EXPECT_EQ(parseExchange(R"({"nonce": "nonce-aaaaaaaaaaaaaaa"})").error(), "field \"bootstrap_code\" is missing");
  EXPECT_TRUE(parseExchange(R"({"bootstrap_code": "x", "nonce": "nonce-aaaaaaaaaaaaaaa"})").ok());
  const std::string upper = R"({"host_id": "h", "public_key": ")" + kKey + R"(", "token_sha256": ")" +
                            std::string(64, 'A') + "\"}";
  EXPECT_EQ(parseRegister(upper).error(), "field \"token_sha256\" is not valid: must be 64 lowercase hex characters");
  EXPECT_EQ(parseAnswer(R"({"answer": 1})").error(), "field \"answer\" must be an object");
  EXPECT_EQ(parseAnswer(R"({"answer": {"a": 1}})").value().answer, R"({"a":1})");
  EXPECT_EQ(parseEndpointReport(R"({"endpoint": "198.51.100.7:51820", "local_endpoint": 3})").error(),
            "field \"local_endpoint\" must be a string");
  EXPECT_TRUE(parseEndpointReport(R"({"endpoint": "198.51.100.7:51820", "nat_type": "unknown"})").ok());
}

}  // namespace
}  // namespace nefia::cloud
