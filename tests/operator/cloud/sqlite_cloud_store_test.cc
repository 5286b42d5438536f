// The SQLite cloud store: schema migrations, session transitions, atomic consumption under 50 racing threads,
// idempotent rotation and endpoint reports, as the service relies on them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>
#include <vector>

#include "operator/cloud/cloud_crypto.h"
#include "operator/cloud/sqlite_schema.h"
#include "tests/operator/cloud/store_fixture.h"

namespace nefia::cloud {
namespace {

using testing::StoreFixture;

constexpr UnixSeconds kNow = 1'800'000'000;

class SqliteCloudStoreTest : public StoreFixture {
 protected:
  void createSession(const std::string& nonce, const std::string& expectedHostId = "") {
    EnrollmentSession session;
    session.nonce = nonce;
    session.teamId = teamId_;
    session.expectedHostId = expectedHostId;
    session.createdAt = kNow;
    session.expiresAt = kNow + 3600;
    auto created = store_->createSession(session);
    ASSERT_TRUE(created.ok()) << created.error();
    ASSERT_EQ(created.value(), CreateSessionOutcome::kCreated);
  }
  void submit(const std::string& nonce, const std::string& hostId) {
    AgentSubmission agent{hostId, "pubkey", "198.51.100.7:51820", "", "symmetric", "invite"};
    auto submitted = store_->submitAgent(nonce, agent, kNow + 1);
    ASSERT_TRUE(submitted.ok()) << submitted.error();
    ASSERT_EQ(submitted.value(), SubmitOutcome::kCompleted);
  }
  ConsumeRequest consumeRequest(const std::string& nonce, const std::string& hostId, const std::string& token) {
    ConsumeRequest request;
    request.nonce = nonce;
    request.teamId = teamId_;
    request.codeHostId = hostId;
    request.token.tokenSha256 = sha256Hex(token);
    request.token.expiresAt = kNow + 90 * 86400;
    return request;
  }
  void enrollHost(const std::string& nonce, const std::string& hostId, const std::string& token) {
    createSession(nonce);
    submit(nonce, hostId);
    auto consumed = store_->consumeSession(consumeRequest(nonce, hostId, token), kNow + 2);
    ASSERT_TRUE(consumed.ok()) << consumed.error();
    ASSERT_EQ(consumed.value(), ConsumeOutcome::kConsumed);
  }
  RotateRequest rotateRequest(const std::string& oldToken, const std::string& requestId,
                              const std::string& newToken, UnixSeconds now) {
    RotateRequest request;
    request.oldTokenSha256 = sha256Hex(oldToken);
    request.requestId = requestId;
    request.replacement.tokenSha256 = sha256Hex(newToken);
    request.replacement.expiresAt = now + 90 * 86400;
    request.now = now;
    request.grace = 600;
    return request;
  }
};

TEST_F(SqliteCloudStoreTest, FreshDatabaseIsAtTheLatestSchemaAndOnlyReadableByItsOwner) {
  SqliteConnection connection(path_, std::chrono::milliseconds(1000));
  EXPECT_EQ(connection.userVersion(), latestSchemaVersion());
  struct stat info {};
  ASSERT_EQ(stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SqliteCloudStoreTest, OpeningAVersionOneDatabaseMigratesItAndKeepsItsRows) {
  const std::string oldPath = directory_ + "/old.db";
  {
    SqliteConnection connection(oldPath, std::chrono::milliseconds(1000));
    migrateSchema(connection, 1);
    ASSERT_EQ(connection.userVersion(), 1);
    connection.execute("INSERT INTO teams(id, name, created_at) VALUES('t-old', 'old team', 1)");
  }
  auto reopened = SqliteCloudStore::open(oldPath);
  ASSERT_TRUE(reopened.ok()) << reopened.error();
  EXPECT_TRUE(reopened.value()->addApiKey("t-old", sha256Hex("key")).ok());
  SqliteConnection connection(oldPath, std::chrono::milliseconds(1000));
  EXPECT_EQ(connection.userVersion(), latestSchemaVersion());
  SqliteStatement index(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'api_tokens_by_host'");
  ASSERT_TRUE(index.step());
  EXPECT_EQ(index.integer(0), 1);
}

TEST_F(SqliteCloudStoreTest, ADatabaseFromANewerVersionIsRefusedWithItsVersion) {
  {
    SqliteConnection connection(path_, std::chrono::milliseconds(1000));
    connection.execute("PRAGMA user_version = 99");
  }
  auto reopened = SqliteCloudStore::open(path_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().find("database schema version 99 is newer than this nefia-cloud knows"),
            std::string::npos)
      << reopened.error();
}

TEST_F(SqliteCloudStoreTest, ApiKeysAreFoundByHashAndAnUnknownTeamIsRefused) {
  ASSERT_TRUE(store_->addApiKey(teamId_, sha256Hex("nfk_secret")).ok());
  auto team = store_->teamForApiKey(sha256Hex("nfk_secret"));
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(team.value(), teamId_);
  EXPECT_FALSE(store_->teamForApiKey(sha256Hex("nfk_other")).value().has_value());
  const Status unknown = store_->addApiKey("t-missing", sha256Hex("k"));
  EXPECT_EQ(unknown.error(), "no team with id t-missing: create it with `nefia-cloud team create`");
}

TEST_F(SqliteCloudStoreTest, ServerSecretIsCreatedOnceAndSurvivesReopening) {
  const std::string first = store_->serverSecret("jwt", "first value").value();
  EXPECT_EQ(first, "first value");
  EXPECT_EQ(store_->serverSecret("jwt", "second value").value(), "first value");
  store_.reset();
  auto reopened = SqliteCloudStore::open(path_);
  EXPECT_EQ(reopened.value()->serverSecret("jwt", "third").value(), "first value");
}

TEST_F(SqliteCloudStoreTest, SessionGoesPendingCompletedConsumedOnceEach) {
  createSession("nonce-aaaaaaaaaaaaaaa", "h-1");
  EnrollmentSession duplicate{"nonce-aaaaaaaaaaaaaaa", teamId_, "", SessionState::kPending, kNow, kNow + 60, {}, ""};
  EXPECT_EQ(store_->createSession(duplicate).value(), CreateSessionOutcome::kAlreadyExists);
  submit("nonce-aaaaaaaaaaaaaaa", "h-1");
  AgentSubmission again{"h-1", "k", "e", "", "", ""};
  EXPECT_EQ(store_->submitAgent("nonce-aaaaaaaaaaaaaaa", again, kNow + 2).value(), SubmitOutcome::kNotPending);
  auto session = store_->findSession("nonce-aaaaaaaaaaaaaaa").value();
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->state, SessionState::kCompleted);
  EXPECT_EQ(session->agent.natType, "symmetric");
  EXPECT_EQ(store_->consumeSession(consumeRequest("nonce-aaaaaaaaaaaaaaa", "h-1", "tok1"), kNow + 3).value(),
            ConsumeOutcome::kConsumed);
  EXPECT_EQ(store_->consumeSession(consumeRequest("nonce-aaaaaaaaaaaaaaa", "h-1", "tok2"), kNow + 4).value(),
            ConsumeOutcome::kAlreadyConsumed);
  auto token = store_->findToken(sha256Hex("tok1")).value();
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->hostId, "h-1");
  EXPECT_TRUE(token->activeAt(kNow + 5));
  EXPECT_FALSE(store_->findToken(sha256Hex("tok2")).value().has_value());
  EXPECT_TRUE(store_->findHost("h-1").value().has_value());
}

TEST_F(SqliteCloudStoreTest, CreatingASessionDropsThoseADayPastTheirExpiry) {
  createSession("nonce-old-old-old-old");  // expires kNow + 3600
  EnrollmentSession later{"nonce-new-new-new-new", teamId_, "", SessionState::kPending, kNow + 3600 + 86400, 0, {}, ""};
  later.expiresAt = later.createdAt + 60;
  ASSERT_EQ(store_->createSession(later).value(), CreateSessionOutcome::kCreated);
  EXPECT_TRUE(store_->findSession("nonce-old-old-old-old").value().has_value()) << "exactly one day: kept";
  later.nonce = "nonce-new-new-new-ne2";
  later.createdAt += 1;
  ASSERT_EQ(store_->createSession(later).value(), CreateSessionOutcome::kCreated);
  EXPECT_FALSE(store_->findSession("nonce-old-old-old-old").value().has_value());
  EXPECT_TRUE(store_->findSession("nonce-new-new-new-new").value().has_value());
}

TEST_F(SqliteCloudStoreTest, SubmissionRefusesUnknownExpiredAndOtherHosts) {
  AgentSubmission agent{"h-2", "k", "e", "", "", ""};
  EXPECT_EQ(store_->submitAgent("nonce-missing-000000", agent, kNow).value(), SubmitOutcome::kNotFound);
  createSession("nonce-bbbbbbbbbbbbbbb", "h-1");
  EXPECT_EQ(store_->submitAgent("nonce-bbbbbbbbbbbbbbb", agent, kNow).value(), SubmitOutcome::kHostMismatch);
  EXPECT_EQ(store_->submitAgent("nonce-bbbbbbbbbbbbbbb", agent, kNow + 3600).value(), SubmitOutcome::kExpired);
}

TEST_F(SqliteCloudStoreTest, ConsumeChecksTeamStateAndHostId) {
  createSession("nonce-ccccccccccccccc");
  EXPECT_EQ(store_->consumeSession(consumeRequest("nonce-ccccccccccccccc", "h-1", "t"), kNow).value(),
            ConsumeOutcome::kNotCompleted);
  submit("nonce-ccccccccccccccc", "");
  EXPECT_EQ(store_->consumeSession(consumeRequest("nonce-ccccccccccccccc", "", "t"), kNow).value(),
            ConsumeOutcome::kMissingHostId);
  createSession("nonce-ddddddddddddddd");
  submit("nonce-ddddddddddddddd", "h-3");
  EXPECT_EQ(store_->consumeSession(consumeRequest("nonce-ddddddddddddddd", "h-4", "t"), kNow).value(),
            ConsumeOutcome::kHostMismatch);
  auto otherTeam = consumeRequest("nonce-ddddddddddddddd", "h-3", "t");
  otherTeam.teamId = "t-other";
  EXPECT_EQ(store_->consumeSession(otherTeam, kNow).value(), ConsumeOutcome::kNotFound);
}

TEST_F(SqliteCloudStoreTest, FiftyThreadsConsumingOneSessionGiveExactlyOneToken) {
  createSession("nonce-race-race-race");
  submit("nonce-race-race-race", "h-race");
  std::atomic<int> consumed{0};
  std::atomic<int> alreadyConsumed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      // Its own store per thread: separate connections, as separate processes would have.
      auto store = SqliteCloudStore::open(path_);
      ASSERT_TRUE(store.ok()) << store.error();
      auto outcome = store.value()->consumeSession(
          consumeRequest("nonce-race-race-race", "h-race", "token-" + std::to_string(i)), kNow);
      ASSERT_TRUE(outcome.ok()) << outcome.error();
      if (outcome.value() == ConsumeOutcome::kConsumed) ++consumed;
      if (outcome.value() == ConsumeOutcome::kAlreadyConsumed) ++alreadyConsumed;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(alreadyConsumed.load(), 49);
  SqliteConnection connection(path_, std::chrono::milliseconds(1000));
  SqliteStatement count(connection, "SELECT count(*) FROM api_tokens WHERE host_id = 'h-race'");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.integer(0), 1);
}

TEST_F(SqliteCloudStoreTest, RotationReplaysOnlyTheSameRequestWithinGrace) {
  enrollHost("nonce-rotate-rotate0", "h-rot", "old-token");
  auto rotated = store_->rotateToken(rotateRequest("old-token", "request-id-0000001", "new-token", kNow + 10));
  ASSERT_EQ(rotated.value().outcome, RotateOutcome::kRotated);
  EXPECT_EQ(rotated.value().replacement.hostId, "h-rot");
  EXPECT_FALSE(store_->findToken(sha256Hex("old-token")).value()->activeAt(kNow + 11));
  auto replayed = store_->rotateToken(rotateRequest("old-token", "request-id-0000001", "new-token", kNow + 20));
  EXPECT_EQ(replayed.value().outcome, RotateOutcome::kReplayed);
  EXPECT_EQ(replayed.value().replacement.expiresAt, rotated.value().replacement.expiresAt);
  EXPECT_EQ(store_->rotateToken(rotateRequest("old-token", "request-id-0000002", "other", kNow + 20)).value().outcome,
            RotateOutcome::kRefused);
  EXPECT_EQ(store_->rotateToken(rotateRequest("old-token", "request-id-0000001", "new-token", kNow + 611))
                .value()
                .outcome,
            RotateOutcome::kRefused);
  EXPECT_EQ(store_->rotateToken(rotateRequest("unknown", "request-id-0000001", "x", kNow)).value().outcome,
            RotateOutcome::kRefused);
}

TEST_F(SqliteCloudStoreTest, RotationIsNotReplayedOnceTheNewTokenWasRotatedToo) {
  enrollHost("nonce-rotate-rotate1", "h-rot", "first");
  ASSERT_EQ(store_->rotateToken(rotateRequest("first", "request-id-0000001", "second", kNow)).value().outcome,
            RotateOutcome::kRotated);
  ASSERT_EQ(store_->rotateToken(rotateRequest("second", "request-id-0000002", "third", kNow + 1)).value().outcome,
            RotateOutcome::kRotated);
  EXPECT_EQ(store_->rotateToken(rotateRequest("first", "request-id-0000001", "second", kNow + 2)).value().outcome,
            RotateOutcome::kRefused);
}

TEST_F(SqliteCloudStoreTest, RegisteredTokensAndEndpointReportsAreStored) {
  HostRecord host{"h-direct", teamId_, "pub", "", "", "", 0};
  TokenRecord token{sha256Hex("direct-token"), "h-direct", teamId_, kNow, kNow + 100, 0, "", ""};
  EXPECT_EQ(store_->registerToken(host, token).value(), RegisterOutcome::kRegistered);
  EXPECT_EQ(store_->registerToken(host, token).value(), RegisterOutcome::kTokenExists);
  auto otherTeam = store_->createTeam("other").value();
  HostRecord stolen{"h-direct", otherTeam, "pub", "", "", "", 0};
  TokenRecord another{sha256Hex("another"), "h-direct", otherTeam, kNow, kNow + 100, 0, "", ""};
  EXPECT_EQ(store_->registerToken(stolen, another).value(), RegisterOutcome::kHostOfAnotherTeam);
  ASSERT_TRUE(store_->reportEndpoint("h-direct", "198.51.100.9:51820", "10.0.0.2:51820", "none", kNow + 5).ok());
  auto stored = store_->findHost("h-direct").value();
  EXPECT_EQ(stored->endpoint, "198.51.100.9:51820");
  EXPECT_EQ(stored->lastReportAt, kNow + 5);
  EXPECT_EQ(store_->reportEndpoint("h-none", "e", "", "none", kNow).error(), "no host h-none");
}

}  // namespace
}  // namespace nefia::cloud
