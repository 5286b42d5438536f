// CloudStore: everything nefia-cloud keeps, behind one interface so a server database can replace the embedded
// SQLite one. Each state-changing call is one transaction; credentials arrive here only as SHA-256 hex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace nefia::cloud {

using UnixSeconds = int64_t;

enum class SessionState { kPending, kCompleted, kConsumed };
const char* toString(SessionState state);

struct AgentSubmission {
  std::string hostId;  // empty: the agent did not report one
  std::string publicKey;
  std::string endpoint;
  std::string localEndpoint;
  std::string natType;
  std::string inviteToken;
};

struct EnrollmentSession {
  std::string nonce;
  std::string teamId;
  std::string expectedHostId;  // empty: not bound to a host
  SessionState state = SessionState::kPending;
  UnixSeconds createdAt = 0;
  UnixSeconds expiresAt = 0;
  AgentSubmission agent;       // filled by the submission
  std::string operatorAnswer;  // serialised JSON; empty until the operator answered
};

struct HostRecord {
  std::string hostId;
  std::string teamId;
  std::string publicKey;
  std::string endpoint;
  std::string localEndpoint;
  std::string natType;
  UnixSeconds lastReportAt = 0;  // 0: never reported
};

struct TokenRecord {
  std::string tokenSha256;
  std::string hostId;
  std::string teamId;
  UnixSeconds issuedAt = 0;
  UnixSeconds expiresAt = 0;
  UnixSeconds revokedAt = 0;         // 0: not revoked
  std::string rotationRequestId;     // set when this token was rotated away
  std::string replacedBySha256;      // the token that replaced it
  bool activeAt(UnixSeconds now) const { return revokedAt == 0 && now < expiresAt; }
};

enum class CreateSessionOutcome { kCreated, kAlreadyExists };
enum class SubmitOutcome { kCompleted, kNotFound, kExpired, kNotPending, kHostMismatch };
enum class AnswerOutcome { kAnswered, kNotFound, kNoSubmission, kAlreadyAnswered };
enum class ConsumeOutcome { kConsumed, kNotFound, kNotCompleted, kAlreadyConsumed, kMissingHostId, kHostMismatch };
enum class RegisterOutcome { kRegistered, kHostOfAnotherTeam, kTokenExists };
enum class RotateOutcome { kRotated, kReplayed, kRefused };

struct ConsumeRequest {
  std::string nonce;
  std::string teamId;
  std::string codeHostId;  // the host id the bootstrap code carries
  TokenRecord token;       // hostId and teamId are filled by the store from the session
};

struct RotateRequest {
  std::string oldTokenSha256;
  std::string requestId;
  TokenRecord replacement;  // hash and expiry of the token the service derived; host and team filled by the store
  UnixSeconds now = 0;
  UnixSeconds grace = 0;    // seconds after a rotation during which the same request id replays it
};

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::kRefused;
  TokenRecord replacement;  // kRotated/kReplayed: the token now valid for the host
};

class CloudStore {
 public:
  virtual ~CloudStore() = default;

  virtual Result<std::string> createTeam(const std::string& name) = 0;  // the new team's id
  virtual Status addApiKey(const std::string& teamId, const std::string& keySha256) = 0;
  virtual Result<std::optional<std::string>> teamForApiKey(const std::string& keySha256) = 0;

  // A value the store keeps for the server (signing keys); set to freshValue on first use, atomically.
  virtual Result<std::string> serverSecret(const std::string& name, const std::string& freshValue) = 0;

  // Also deletes sessions that expired more than a day before session.createdAt.
  virtual Result<CreateSessionOutcome> createSession(const EnrollmentSession& session) = 0;
  virtual Result<std::optional<EnrollmentSession>> findSession(const std::string& nonce) = 0;
  virtual Result<SubmitOutcome> submitAgent(const std::string& nonce, const AgentSubmission& agent,
                                            UnixSeconds now) = 0;
  virtual Result<AnswerOutcome> setOperatorAnswer(const std::string& nonce, const std::string& teamId,
                                                  const std::string& answer) = 0;
  // completed -> consumed, the host record and the token hash, all in one transaction.
  virtual Result<ConsumeOutcome> consumeSession(const ConsumeRequest& request, UnixSeconds now) = 0;

  virtual Result<RegisterOutcome> registerToken(const HostRecord& host, const TokenRecord& token) = 0;
  virtual Result<std::optional<TokenRecord>> findToken(const std::string& tokenSha256) = 0;
  // Active old token: revoke it and insert the replacement. Revoked by the same request id within grace, with the
  // replacement still active: kReplayed with that replacement. Otherwise kRefused. One transaction.
  virtual Result<RotateResult> rotateToken(const RotateRequest& request) = 0;

  virtual Result<std::optional<HostRecord>> findHost(const std::string& hostId) = 0;
  virtual Status reportEndpoint(const std::string& hostId, const std::string& endpoint,
                                const std::string& localEndpoint, const std::string& natType, UnixSeconds now) = 0;
};

}  // namespace nefia::cloud
