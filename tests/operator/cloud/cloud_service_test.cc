// The service's endpoints over a real SQLite store with a fake clock: the relay enrollment flow, every exchange
// error word for word, idempotent rotation after a lost answer, and the per-host endpoint report limit.
#include "operator/cloud/cloud_service.h"

#include <gtest/gtest.h>

#include "operator/cloud/cloud_crypto.h"
#include "tests/operator/cloud/store_fixture.h"

namespace nefia::cloud {
namespace {

const std::string kPublicKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const std::string kApiKey = "nfk_test_key";

class CloudServiceTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_TRUE(store_->addApiKey(teamId_, sha256Hex(kApiKey)).ok());
    CloudServiceSettings settings;
    settings.wallClock = [this] { return wallNow_; };
    settings.steadyClock = [this] { return steadyNow_; };
    auto service = CloudService::create(*store_, settings);
    ASSERT_TRUE(service.ok()) << service.error();
    service_ = std::move(service.value());
  }

  // A session submitted by the agent; returns the bootstrap code of the result poll.
  std::string completedSession(const std::string& nonce, const std::string& hostId) {
    EXPECT_EQ(service_->createSession(kApiKey, {nonce, hostId, 3600}).status, 201);
    AgentSubmission agent{hostId, kPublicKey, "198.51.100.7:51820", "", "symmetric", "eyJinvite"};
    EXPECT_EQ(service_->submitAgent(nonce, agent).status, 200);
    const ApiResponse result = service_->sessionResult(kApiKey, nonce);
    EXPECT_EQ(result.status, 200);
    return result.body.value("bootstrap_code", "");
  }
  std::string enrolledToken(const std::string& nonce, const std::string& hostId) {
    const ApiResponse exchanged = service_->exchange(kApiKey, {completedSession(nonce, hostId), nonce});
    EXPECT_EQ(exchanged.status, 200) << exchanged.body.dump();
    return exchanged.body.value("agent_token", "");
  }
  static std::string errorOf(const ApiResponse& response) { return response.body.value("error", ""); }

  UnixSeconds wallNow_ = 1'800'000'000;
  hub::SteadyTime steadyNow_{};
  std::unique_ptr<CloudService> service_;
};

TEST_F(CloudServiceTest, ResultIsPendingUntilTheAgentSubmitsThenCarriesACodeAndTheSubmission) {
  ASSERT_EQ(service_->createSession(kApiKey, {"nonce-aaaaaaaaaaaaaaa", "h-1", 3600}).status, 201);
  EXPECT_EQ(errorOf(service_->createSession(kApiKey, {"nonce-aaaaaaaaaaaaaaa", "", 3600})),
            "Enrollment session already exists");
  EXPECT_EQ(service_->sessionResult(kApiKey, "nonce-aaaaaaaaaaaaaaa").status, 202);
  AgentSubmission agent{"h-1", kPublicKey, "198.51.100.7:51820", "", "symmetric", "eyJinvite"};
  ASSERT_EQ(service_->submitAgent("nonce-aaaaaaaaaaaaaaa", agent).status, 200);
  EXPECT_EQ(errorOf(service_->submitAgent("nonce-aaaaaaaaaaaaaaa", agent)), "Enrollment session is not pending");
  const ApiResponse result = service_->sessionResult(kApiKey, "nonce-aaaaaaaaaaaaaaa");
  ASSERT_EQ(result.status, 200);
  EXPECT_EQ(result.body["agent"]["public_key"], kPublicKey);
  EXPECT_EQ(result.body["invite_token"], "eyJinvite");
  EXPECT_EQ(result.body["bootstrap_code_expires_at"], "2027-01-15T08:05:00Z");
}

TEST_F(CloudServiceTest, CredentialAndSessionErrors) {
  EXPECT_EQ(errorOf(service_->createSession("nfk_wrong", {"nonce-aaaaaaaaaaaaaaa", "", 3600})), "invalid API key");
  EXPECT_EQ(errorOf(service_->sessionResult(kApiKey, "nonce-unknown-000000")), "Enrollment session not found");
  AgentSubmission agent{"h-other", kPublicKey, "198.51.100.7:51820", "", "none", "eyJ"};
  EXPECT_EQ(errorOf(service_->submitAgent("nonce-unknown-000000", agent)), "Enrollment session not found");
  ASSERT_EQ(service_->createSession(kApiKey, {"nonce-bbbbbbbbbbbbbbb", "h-1", 60}).status, 201);
  const ApiResponse mismatch = service_->submitAgent("nonce-bbbbbbbbbbbbbbb", agent);
  EXPECT_EQ(mismatch.status, 403);
  EXPECT_EQ(errorOf(mismatch), "host_id does not match the enrollment session's expected_host_id");
  wallNow_ += 60;
  agent.hostId = "h-1";
  EXPECT_EQ(errorOf(service_->submitAgent("nonce-bbbbbbbbbbbbbbb", agent)), "Enrollment session has expired");
  EXPECT_EQ(service_->sessionResult(kApiKey, "nonce-bbbbbbbbbbbbbbb").status, 410);
}

TEST_F(CloudServiceTest, ExchangeGivesOneTokenThenTheExactSecondTimeText) {
  const std::string code = completedSession("nonce-ccccccccccccccc", "h-2");
  const ApiResponse first = service_->exchange(kApiKey, {code, "nonce-ccccccccccccccc"});
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["agent_token"].get<std::string>().size(), 43u);
  EXPECT_EQ(first.body["host_id"], "h-2");
  EXPECT_EQ(first.body["expires_at"], "2027-04-15T08:00:00Z") << "90 days after 2027-01-15T08:00:00Z";
  const ApiResponse second = service_->exchange(kApiKey, {code, "nonce-ccccccccccccccc"});
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(errorOf(second), "Bootstrap code has already been exchanged");
  EXPECT_EQ(service_->sessionResult(kApiKey, "nonce-ccccccccccccccc").body["state"], "consumed");
}

TEST_F(CloudServiceTest, ExpiredTamperedOrMisdirectedCodesAreInvalid) {
  const std::string code = completedSession("nonce-ddddddddddddddd", "h-3");
  EXPECT_EQ(errorOf(service_->exchange(kApiKey, {code, "nonce-eeeeeeeeeeeeeee"})), "Invalid bootstrap code");
  std::string tampered = code;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(errorOf(service_->exchange(kApiKey, {tampered, "nonce-ddddddddddddddd"})), "Invalid bootstrap code");
  auto otherTeam = store_->createTeam("other").value();
  ASSERT_TRUE(store_->addApiKey(otherTeam, sha256Hex("nfk_other")).ok());
  EXPECT_EQ(errorOf(service_->exchange("nfk_other", {code, "nonce-ddddddddddddddd"})), "Invalid bootstrap code");
  wallNow_ += 300;
  const ApiResponse expired = service_->exchange(kApiKey, {code, "nonce-ddddddddddddddd"});
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(errorOf(expired), "Invalid bootstrap code");
}

TEST_F(CloudServiceTest, ASessionWithoutAgentHostIdCannotBeExchanged) {
  const std::string code = completedSession("nonce-fffffffffffffff", "");
  const ApiResponse response = service_->exchange(kApiKey, {code, "nonce-fffffffffffffff"});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorOf(response), "Enrollment session is missing agent_host_id");
}

TEST_F(CloudServiceTest, RotationRetriedAfterALostAnswerGivesTheSameTokenAndTheOldOneIsRefusedOtherwise) {
  const std::string old = enrolledToken("nonce-ggggggggggggggg", "h-4");
  const ApiResponse rotated = service_->rotate(old, {"rotation-request-0001"});
  ASSERT_EQ(rotated.status, 200);
  const std::string fresh = rotated.body["agent_token"];
  EXPECT_NE(fresh, old);
  wallNow_ += 30;
  const ApiResponse retried = service_->rotate(old, {"rotation-request-0001"});
  ASSERT_EQ(retried.status, 200);
  EXPECT_EQ(retried.body["agent_token"], fresh);
  EXPECT_EQ(retried.body["expires_at"], rotated.body["expires_at"]);
  EXPECT_EQ(errorOf(service_->rotate(old, {"rotation-request-0002"})), "Agent token is invalid, expired or revoked");
  EndpointBody report{"198.51.100.7:51820", "", "symmetric"};
  EXPECT_EQ(errorOf(service_->reportEndpoint(old, "h-4", report)), "Agent token is invalid, expired or revoked");
  EXPECT_EQ(service_->reportEndpoint(fresh, "h-4", report).status, 200);
  wallNow_ += 600;
  EXPECT_EQ(service_->rotate(old, {"rotation-request-0001"}).status, 401) << "grace period is over";
}

TEST_F(CloudServiceTest, EndpointReportsAreLimitedToTenPerMinutePerHost) {
  const std::string token = enrolledToken("nonce-hhhhhhhhhhhhhhh", "h-5");
  const std::string other = enrolledToken("nonce-iiiiiiiiiiiiiii", "h-6");
  EndpointBody report{"198.51.100.7:51820", "10.0.0.5:51820", "none"};
  for (int i = 0; i < 10; ++i) ASSERT_EQ(service_->reportEndpoint(token, "h-5", report).status, 200) << i;
  const ApiResponse limited = service_->reportEndpoint(token, "h-5", report);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(errorOf(limited), "too many endpoint reports for this host");
  EXPECT_EQ(limited.retryAfterSeconds, 6);
  EXPECT_EQ(service_->reportEndpoint(other, "h-6", report).status, 200) << "each host has its own budget";
  steadyNow_ += std::chrono::seconds(6);
  EXPECT_EQ(service_->reportEndpoint(token, "h-5", report).status, 200);
  const ApiResponse wrongHost = service_->reportEndpoint(token, "h-6", report);
  EXPECT_EQ(wrongHost.status, 403);
  EXPECT_EQ(errorOf(wrongHost), "Agent token is not valid for this host");
  EXPECT_EQ(store_->findHost("h-5").value()->localEndpoint, "10.0.0.5:51820");
}

TEST_F(CloudServiceTest, OperatorAnswerReachesTheAgentOnce) {
  ASSERT_EQ(service_->createSession(kApiKey, {"nonce-jjjjjjjjjjjjjjj", "h-7", 3600}).status, 201);
  EXPECT_EQ(errorOf(service_->postAnswer(kApiKey, "nonce-jjjjjjjjjjjjjjj", {R"({"a":1})"})),
            "Enrollment session has no agent submission yet");
  EXPECT_EQ(service_->getAnswer("nonce-jjjjjjjjjjjjjjj").status, 202);
  AgentSubmission agent{"h-7", kPublicKey, "198.51.100.7:51820", "", "none", "eyJ"};
  ASSERT_EQ(service_->submitAgent("nonce-jjjjjjjjjjjjjjj", agent).status, 200);
  EXPECT_EQ(service_->postAnswer(kApiKey, "nonce-jjjjjjjjjjjjjjj", {R"({"a":1})"}).status, 200);
  EXPECT_EQ(errorOf(service_->postAnswer(kApiKey, "nonce-jjjjjjjjjjjjjjj", {R"({"a":2})"})),
            "Enrollment session already has an answer");
  const ApiResponse answer = service_->getAnswer("nonce-jjjjjjjjjjjjjjj");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["answer"]["a"], 1);
}

TEST_F(CloudServiceTest, DirectEnrollmentRegistersOnlyTheHashAndTheTokenWorks) {
  const std::string token = randomToken();
  const ApiResponse registered = service_->registerToken(kApiKey, {"h-direct", kPublicKey, sha256Hex(token)});
  ASSERT_EQ(registered.status, 201);
  EXPECT_EQ(errorOf(service_->registerToken(kApiKey, {"h-direct", kPublicKey, sha256Hex(token)})),
            "token is already registered");
  EXPECT_EQ(service_->reportEndpoint(token, "h-direct", {"198.51.100.7:51820", "", "none"}).status, 200);
  EXPECT_EQ(service_->reportEndpoint(token + "x", "h-direct", {"198.51.100.7:51820", "", "none"}).status, 401);
}

}  // namespace
}  // namespace nefia::cloud
