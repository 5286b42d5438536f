// The SQL of each CloudStore operation. Decisions that must be atomic (a session's transition, a rotation) read and
// write inside one BEGIN IMMEDIATE transaction, so concurrent callers in any process see one winner.
#include "operator/cloud/sqlite_cloud_store.h"

#include "operator/cloud/cloud_crypto.h"
#include "operator/cloud/sqlite_schema.h"

namespace nefia::cloud {
namespace {

constexpr std::size_t kMaxIdleConnections = 8;
constexpr UnixSeconds kSessionRetentionSeconds = 24 * 3600;

SessionState parseState(const std::string& text) {
  if (text == "completed") return SessionState::kCompleted;
  if (text == "consumed") return SessionState::kConsumed;
  return SessionState::kPending;
}

constexpr const char* kSelectSession =
    "SELECT nonce, team_id, expected_host_id, state, created_at, expires_at, agent_host_id, agent_public_key, "
    "agent_endpoint, agent_local_endpoint, agent_nat_type, invite_token, operator_answer "
    "FROM enrollment_sessions WHERE nonce = ?1";

std::optional<EnrollmentSession> readSession(SqliteConnection& db, const std::string& nonce) {
  SqliteStatement select(db, kSelectSession);
  select.bind(1, nonce);
  if (!select.step()) return std::nullopt;
  EnrollmentSession session;
  session.nonce = select.text(0);
  session.teamId = select.text(1);
  session.expectedHostId = select.text(2);
  session.state = parseState(select.text(3));
  session.createdAt = select.integer(4);
  session.expiresAt = select.integer(5);
  session.agent = {select.text(6), select.text(7), select.text(8), select.text(9), select.text(10), select.text(11)};
  session.operatorAnswer = select.text(12);
  return session;
}

std::optional<TokenRecord> readToken(SqliteConnection& db, const std::string& tokenSha256) {
  SqliteStatement select(db,
                         "SELECT token_sha256, host_id, team_id, issued_at, expires_at, revoked_at, "
                         "rotation_request_id, replaced_by_sha256 FROM api_tokens WHERE token_sha256 = ?1");
  select.bind(1, tokenSha256);
  if (!select.step()) return std::nullopt;
  return TokenRecord{select.text(0),    select.text(1),    select.text(2), select.integer(3),
                     select.integer(4), select.integer(5), select.text(6), select.text(7)};
}

void insertToken(SqliteConnection& db, const TokenRecord& token) {
  SqliteStatement insert(db,
                         "INSERT INTO api_tokens(token_sha256, host_id, team_id, issued_at, expires_at) "
                         "VALUES(?1, ?2, ?3, ?4, ?5)");
  insert.bind(1, token.tokenSha256).bind(2, token.hostId).bind(3, token.teamId);
  insert.bind(4, token.issuedAt).bind(5, token.expiresAt).run();
}

// Inserts the host or, when it exists in the same team, keeps its row (a re-enrollment gets a new key).
bool upsertHost(SqliteConnection& db, const HostRecord& host) {
  SqliteStatement owner(db, "SELECT team_id FROM hosts WHERE host_id = ?1");
  owner.bind(1, host.hostId);
  if (owner.step()) {
    if (owner.text(0) != host.teamId) return false;
    SqliteStatement update(db, "UPDATE hosts SET public_key = ?2 WHERE host_id = ?1");
    update.bind(1, host.hostId).bind(2, host.publicKey).run();
    return true;
  }
  SqliteStatement insert(db,
                         "INSERT INTO hosts(host_id, team_id, public_key, endpoint, local_endpoint, nat_type) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  insert.bind(1, host.hostId).bind(2, host.teamId).bind(3, host.publicKey);
  insert.bind(4, host.endpoint).bind(5, host.localEndpoint).bind(6, host.natType).run();
  return true;
}

}  // namespace

const char* toString(SessionState state) {
  switch (state) {
    case SessionState::kPending: return "pending";
    case SessionState::kCompleted: return "completed";
    case SessionState::kConsumed: return "consumed";
  }
  return "pending";
}

SqliteCloudStore::SqliteCloudStore(std::string path, std::chrono::milliseconds busyTimeout)
    : path_(std::move(path)), busyTimeout_(busyTimeout) {}

Result<std::unique_ptr<SqliteCloudStore>> SqliteCloudStore::open(const std::string& path,
                                                                 std::chrono::milliseconds busyTimeout) {
  std::unique_ptr<SqliteCloudStore> store(new SqliteCloudStore(path, busyTimeout));
  try {
    auto connection = std::make_unique<SqliteConnection>(path, busyTimeout);
    migrateSchema(*connection, latestSchemaVersion());
    store->release(std::move(connection));
  } catch (const SqliteFailure& failure) {
    return makeError(std::string("cloud database ") + path + ": " + failure.what());
  }
  return store;
}

std::unique_ptr<SqliteConnection> SqliteCloudStore::acquire() {
  {
    std::lock_guard lock(poolMutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return std::make_unique<SqliteConnection>(path_, busyTimeout_);
}

void SqliteCloudStore::release(std::unique_ptr<SqliteConnection> connection) {
  std::lock_guard lock(poolMutex_);
  if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(connection));
}

template <typename T, typename Work>
Result<T> SqliteCloudStore::withConnection(Work&& work) {
  try {
    auto connection = acquire();
    T value = work(*connection);
    release(std::move(connection));
    return value;
  } catch (const SqliteFailure& failure) {
    return makeError(std::string("cloud database ") + path_ + ": " + failure.what());
  }
}

Result<std::string> SqliteCloudStore::createTeam(const std::string& name) {
  return withConnection<std::string>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    const std::string id = randomId("t-");
    SqliteStatement insert(db, "INSERT INTO teams(id, name, created_at) VALUES(?1, ?2, strftime('%s','now'))");
    insert.bind(1, id).bind(2, name).run();
    transaction.commit();
    return id;
  });
}

Status SqliteCloudStore::addApiKey(const std::string& teamId, const std::string& keySha256) {
  auto result = withConnection<bool>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    SqliteStatement team(db, "SELECT 1 FROM teams WHERE id = ?1");
    team.bind(1, teamId);
    if (!team.step()) return false;
    SqliteStatement insert(db,
                           "INSERT INTO api_keys(key_sha256, team_id, created_at) VALUES(?1, ?2, strftime('%s','now'))");
    insert.bind(1, keySha256).bind(2, teamId).run();
    transaction.commit();
    return true;
  });
  if (!result.ok()) return makeError(result.error());
  if (!result.value()) return makeError("no team with id " + teamId + ": create it with `nefia-cloud team create`");
  return Status::success();
}

Result<std::optional<std::string>> SqliteCloudStore::teamForApiKey(const std::string& keySha256) {
  return withConnection<std::optional<std::string>>([&](SqliteConnection& db) -> std::optional<std::string> {
    SqliteStatement select(db, "SELECT team_id FROM api_keys WHERE key_sha256 = ?1");
    select.bind(1, keySha256);
    if (!select.step()) return std::nullopt;
    return select.text(0);
  });
}

Result<std::string> SqliteCloudStore::serverSecret(const std::string& name, const std::string& freshValue) {
  return withConnection<std::string>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    SqliteStatement insert(db, "INSERT OR IGNORE INTO server_secrets(name, value) VALUES(?1, ?2)");
    insert.bind(1, name).bind(2, freshValue).run();
    SqliteStatement select(db, "SELECT value FROM server_secrets WHERE name = ?1");
    select.bind(1, name);
    select.step();
    std::string value = select.text(0);
    transaction.commit();
    return value;
  });
}

Result<CreateSessionOutcome> SqliteCloudStore::createSession(const EnrollmentSession& session) {
  return withConnection<CreateSessionOutcome>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    // Sessions a day past their expiry can no longer be used (their codes expired long before): drop them here, so
    // the table stays as small as the sessions in use, through the expiry index.
    SqliteStatement sweep(db, "DELETE FROM enrollment_sessions WHERE expires_at < ?1");
    sweep.bind(1, session.createdAt - kSessionRetentionSeconds).run();
    SqliteStatement insert(db,
                           "INSERT OR IGNORE INTO enrollment_sessions(nonce, team_id, expected_host_id, state, "
                           "created_at, expires_at) VALUES(?1, ?2, ?3, 'pending', ?4, ?5)");
    insert.bind(1, session.nonce).bind(2, session.teamId).bind(3, session.expectedHostId);
    insert.bind(4, session.createdAt).bind(5, session.expiresAt).run();
    const bool created = insert.changes() == 1;
    transaction.commit();
    return created ? CreateSessionOutcome::kCreated : CreateSessionOutcome::kAlreadyExists;
  });
}

Result<std::optional<EnrollmentSession>> SqliteCloudStore::findSession(const std::string& nonce) {
  return withConnection<std::optional<EnrollmentSession>>(
      [&](SqliteConnection& db) { return readSession(db, nonce); });
}

Result<SubmitOutcome> SqliteCloudStore::submitAgent(const std::string& nonce, const AgentSubmission& agent,
                                                    UnixSeconds now) {
  return withConnection<SubmitOutcome>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    const auto session = readSession(db, nonce);
    if (!session) return SubmitOutcome::kNotFound;
    if (session->state != SessionState::kPending) return SubmitOutcome::kNotPending;
    if (now >= session->expiresAt) return SubmitOutcome::kExpired;
    if (!session->expectedHostId.empty() && !agent.hostId.empty() && agent.hostId != session->expectedHostId) {
      return SubmitOutcome::kHostMismatch;
    }
    SqliteStatement update(db,
                           "UPDATE enrollment_sessions SET state = 'completed', agent_host_id = ?2, "
                           "agent_public_key = ?3, agent_endpoint = ?4, agent_local_endpoint = ?5, "
                           "agent_nat_type = ?6, invite_token = ?7 WHERE nonce = ?1 AND state = 'pending'");
    update.bind(1, nonce).bind(2, agent.hostId).bind(3, agent.publicKey).bind(4, agent.endpoint);
    update.bind(5, agent.localEndpoint).bind(6, agent.natType).bind(7, agent.inviteToken).run();
    transaction.commit();
    return SubmitOutcome::kCompleted;
  });
}

Result<AnswerOutcome> SqliteCloudStore::setOperatorAnswer(const std::string& nonce, const std::string& teamId,
                                                          const std::string& answer) {
  return withConnection<AnswerOutcome>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    const auto session = readSession(db, nonce);
    if (!session || session->teamId != teamId) return AnswerOutcome::kNotFound;
    if (session->state == SessionState::kPending) return AnswerOutcome::kNoSubmission;
    if (!session->operatorAnswer.empty()) return AnswerOutcome::kAlreadyAnswered;
    SqliteStatement update(db, "UPDATE enrollment_sessions SET operator_answer = ?2 WHERE nonce = ?1");
    update.bind(1, nonce).bind(2, answer).run();
    transaction.commit();
    return AnswerOutcome::kAnswered;
  });
}

Result<ConsumeOutcome> SqliteCloudStore::consumeSession(const ConsumeRequest& request, UnixSeconds now) {
  return withConnection<ConsumeOutcome>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    const auto session = readSession(db, request.nonce);
    if (!session || session->teamId != request.teamId) return ConsumeOutcome::kNotFound;
    if (session->state == SessionState::kConsumed) return ConsumeOutcome::kAlreadyConsumed;
    if (session->state != SessionState::kCompleted) return ConsumeOutcome::kNotCompleted;
    if (session->agent.hostId.empty()) return ConsumeOutcome::kMissingHostId;
    if (session->agent.hostId != request.codeHostId) return ConsumeOutcome::kHostMismatch;
    HostRecord host{session->agent.hostId, session->teamId, session->agent.publicKey, session->agent.endpoint,
                    session->agent.localEndpoint, session->agent.natType, 0};
    if (!upsertHost(db, host)) return ConsumeOutcome::kHostMismatch;
    SqliteStatement consume(db,
                            "UPDATE enrollment_sessions SET state = 'consumed' WHERE nonce = ?1 AND state = 'completed'");
    consume.bind(1, request.nonce).run();
    TokenRecord token = request.token;
    token.hostId = host.hostId;
    token.teamId = host.teamId;
    token.issuedAt = now;
    insertToken(db, token);
    transaction.commit();
    return ConsumeOutcome::kConsumed;
  });
}

Result<RegisterOutcome> SqliteCloudStore::registerToken(const HostRecord& host, const TokenRecord& token) {
  return withConnection<RegisterOutcome>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    if (readToken(db, token.tokenSha256)) return RegisterOutcome::kTokenExists;
    if (!upsertHost(db, host)) return RegisterOutcome::kHostOfAnotherTeam;
    insertToken(db, token);
    transaction.commit();
    return RegisterOutcome::kRegistered;
  });
}

Result<std::optional<TokenRecord>> SqliteCloudStore::findToken(const std::string& tokenSha256) {
  return withConnection<std::optional<TokenRecord>>([&](SqliteConnection& db) { return readToken(db, tokenSha256); });
}

Result<RotateResult> SqliteCloudStore::rotateToken(const RotateRequest& request) {
  return withConnection<RotateResult>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    const auto old = readToken(db, request.oldTokenSha256);
    if (!old) return RotateResult{};
    if (old->activeAt(request.now)) {
      SqliteStatement revoke(db,
                             "UPDATE api_tokens SET revoked_at = ?2, rotation_request_id = ?3, replaced_by_sha256 = ?4 "
                             "WHERE token_sha256 = ?1");
      revoke.bind(1, old->tokenSha256).bind(2, request.now).bind(3, request.requestId);
      revoke.bind(4, request.replacement.tokenSha256).run();
      TokenRecord replacement = request.replacement;
      replacement.hostId = old->hostId;
      replacement.teamId = old->teamId;
      replacement.issuedAt = request.now;
      insertToken(db, replacement);
      transaction.commit();
      return RotateResult{RotateOutcome::kRotated, replacement};
    }
    const bool sameRequest = old->revokedAt != 0 && old->rotationRequestId == request.requestId &&
                             old->replacedBySha256 == request.replacement.tokenSha256 &&
                             request.now <= old->revokedAt + request.grace;
    if (!sameRequest) return RotateResult{};
    const auto replacement = readToken(db, old->replacedBySha256);
    if (!replacement || !replacement->activeAt(request.now)) return RotateResult{};
    return RotateResult{RotateOutcome::kReplayed, *replacement};
  });
}

Result<std::optional<HostRecord>> SqliteCloudStore::findHost(const std::string& hostId) {
  return withConnection<std::optional<HostRecord>>([&](SqliteConnection& db) -> std::optional<HostRecord> {
    SqliteStatement select(db,
                           "SELECT host_id, team_id, public_key, endpoint, local_endpoint, nat_type, last_report_at "
                           "FROM hosts WHERE host_id = ?1");
    select.bind(1, hostId);
    if (!select.step()) return std::nullopt;
    return HostRecord{select.text(0), select.text(1), select.text(2),   select.text(3),
                      select.text(4), select.text(5), select.integer(6)};
  });
}

Status SqliteCloudStore::reportEndpoint(const std::string& hostId, const std::string& endpoint,
                                        const std::string& localEndpoint, const std::string& natType,
                                        UnixSeconds now) {
  auto result = withConnection<bool>([&](SqliteConnection& db) {
    SqliteTransaction transaction(db);
    SqliteStatement update(db,
                           "UPDATE hosts SET endpoint = ?2, local_endpoint = ?3, nat_type = ?4, last_report_at = ?5 "
                           "WHERE host_id = ?1");
    update.bind(1, hostId).bind(2, endpoint).bind(3, localEndpoint).bind(4, natType).bind(5, now).run();
    const bool found = update.changes() == 1;
    transaction.commit();
    return found;
  });
  if (!result.ok()) return makeError(result.error());
  if (!result.value()) return makeError("no host " + hostId);
  return Status::success();
}

}  // namespace nefia::cloud
