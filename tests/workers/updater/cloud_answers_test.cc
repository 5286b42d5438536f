// nefia-cloud's answers to the agent, parsed: the API.md examples, every refusal's text, and a token never
// quoted in one. describeCloudError keeps the server's text printable and short.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "workers/updater/cloud_answers.h"

namespace nefia::updater {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kToken(43, 'T');

TEST(CloudAnswers, ParsesTheExchangeAndRotateAnswers) {
  auto exchange = parseAgentTokenAnswer(R"({"agent_token":")" + kToken +
                                        R"(","expires_at":"2027-03-04T18:20:00Z","host_id":"h-0123456789abcdef"})");
  ASSERT_TRUE(exchange.ok()) << exchange.error();
  EXPECT_EQ(exchange->agentToken, kToken);
  EXPECT_EQ(exchange->expiresAt, "2027-03-04T18:20:00Z");
  EXPECT_EQ(exchange->hostId, "h-0123456789abcdef");
  auto rotate = parseAgentTokenAnswer(R"({"agent_token":")" + kToken + R"(","expires_at":"2027-03-04T18:20:00Z"})");
  ASSERT_TRUE(rotate.ok()) << rotate.error();
  EXPECT_EQ(rotate->hostId, "");
}

TEST(CloudAnswers, RefusesABadTokenWithoutQuotingIt) {
  const std::string shortToken(42, 'S');
  auto answer = parseAgentTokenAnswer(R"({"agent_token":")" + shortToken + R"(","expires_at":"2027-03-04T18:20:00Z"})");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error(),
            "nefia-cloud's answer: field \"agent_token\" is not valid: must be 43 base64url characters (not shown)");
  EXPECT_THAT(answer.error(), Not(HasSubstr(shortToken)));
}

TEST(CloudAnswers, NamesTheMissingOrMalformedField) {
  EXPECT_EQ(parseAgentTokenAnswer(R"({"expires_at":"2027-03-04T18:20:00Z"})").error(),
            "nefia-cloud's answer has no field \"agent_token\"");
  EXPECT_EQ(parseAgentTokenAnswer(R"({"agent_token":")" + kToken + R"(","expires_at":7})").error(),
            "nefia-cloud's answer: field \"expires_at\" is not a string");
  EXPECT_EQ(parseAgentTokenAnswer(R"({"agent_token":")" + kToken + R"(","expires_at":"tomorrow"})").error(),
            "nefia-cloud's answer: field \"expires_at\" is not valid: must be an RFC 3339 UTC time like "
            "2027-03-04T18:20:00Z");
  EXPECT_EQ(parseEndpointReportAnswer(R"({"host_id":"h/../x","reported_at":"2027-03-04T18:20:00Z"})").error(),
            "nefia-cloud's answer: field \"host_id\" is not valid: must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
}

TEST(CloudAnswers, RefusesWhatIsNotAShallowJsonObject) {
  EXPECT_EQ(parseAgentTokenAnswer("<html>").error(), "nefia-cloud's answer is not valid JSON");
  EXPECT_EQ(parseAgentTokenAnswer("[1]").error(), "nefia-cloud's answer is not a JSON object");
  EXPECT_EQ(parseAgentTokenAnswer(std::string(9, '[') + std::string(9, ']')).error(),
            "nefia-cloud's answer nests deeper than 8 levels");
}

TEST(CloudAnswers, ParsesTheEndpointReportAnswer) {
  auto answer = parseEndpointReportAnswer(R"({"host_id":"h-1","reported_at":"2027-03-04T18:20:00Z"})");
  ASSERT_TRUE(answer.ok()) << answer.error();
  EXPECT_EQ(answer->hostId, "h-1");
  EXPECT_EQ(answer->reportedAt, "2027-03-04T18:20:00Z");
}

TEST(CloudAnswers, DescribesAnErrorAnswerSafely) {
  EXPECT_EQ(describeCloudError(401, R"({"error":"Agent token is invalid, expired or revoked"})"),
            "nefia-cloud answered 401: Agent token is invalid, expired or revoked");
  EXPECT_EQ(describeCloudError(502, "<html>bad gateway</html>"), "nefia-cloud answered 502 without an error text");
  EXPECT_EQ(describeCloudError(500, R"({"error":"a\u001b[2Jb"})"), "nefia-cloud answered 500: a\\x1b[2Jb");
  const std::string key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  EXPECT_THAT(describeCloudError(400, R"({"error":"bad )" + key + R"("})"), Not(HasSubstr(key)));
  const std::string longText = describeCloudError(400, R"({"error":")" + std::string(1000, 'e') + R"("})");
  EXPECT_EQ(longText, "nefia-cloud answered 400: " + std::string(300, 'e') + "...");
}

}  // namespace
}  // namespace nefia::updater
