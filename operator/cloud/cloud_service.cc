// Each endpoint's checks in API.md's order; store outcomes map to texts in one switch per endpoint. Store failures
// answer 500 "internal error" and are logged with their cause (which never holds a credential).
#include "operator/cloud/cloud_service.h"

#include <cmath>

#include "common/config/rfc3339.h"
#include "operator/cloud/cloud_log.h"
#include "operator/cloud/bootstrap_code.h"
#include "operator/cloud/cloud_crypto.h"

namespace nefia::cloud {
namespace {

using Json = nlohmann::json;

std::string timeText(UnixSeconds seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
}

ApiResponse internalError(const std::string& cause) {
  cloudLog(LogLevel::kError, "store: ", cause);
  return errorResponse(500, texts::kInternal);
}

Json agentJson(const AgentSubmission& agent) {
  return Json{{"host_id", agent.hostId},           {"public_key", agent.publicKey}, {"endpoint", agent.endpoint},
              {"local_endpoint", agent.localEndpoint}, {"nat_type", agent.natType}};
}

}  // namespace

Result<std::unique_ptr<CloudService>> CloudService::create(CloudStore& store, CloudServiceSettings settings) {
  if (!settings.wallClock) {
    settings.wallClock = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!settings.steadyClock) settings.steadyClock = [] { return std::chrono::steady_clock::now(); };
  auto signing = store.serverSecret("bootstrap_code_hs256", randomSecret());
  if (!signing.ok()) return makeError(signing.error());
  auto rotation = store.serverSecret("token_rotation_hmac", randomSecret());
  if (!rotation.ok()) return makeError(rotation.error());
  return std::unique_ptr<CloudService>(
      new CloudService(store, std::move(settings), std::move(signing.value()), std::move(rotation.value())));
}

CloudService::CloudService(CloudStore& store, CloudServiceSettings settings, std::string signingKey,
                           std::string rotationKey)
    : store_(store),
      settings_(std::move(settings)),
      signingKey_(std::move(signingKey)),
      rotationKey_(std::move(rotationKey)),
      reportLimiter_(settings_.endpointReports) {}

std::optional<std::string> CloudService::teamOf(const std::string& apiKey, ApiResponse& refusal) {
  auto team = store_.teamForApiKey(sha256Hex(apiKey));
  if (!team.ok()) {
    refusal = internalError(team.error());
    return std::nullopt;
  }
  if (!team.value()) refusal = errorResponse(401, texts::kInvalidApiKey);
  return team.value();
}

std::optional<TokenRecord> CloudService::activeToken(const std::string& agentToken, ApiResponse& refusal) {
  auto token = store_.findToken(sha256Hex(agentToken));
  if (!token.ok()) {
    refusal = internalError(token.error());
    return std::nullopt;
  }
  if (!token.value() || !token.value()->activeAt(now())) {
    refusal = errorResponse(401, texts::kInvalidAgentToken);
    return std::nullopt;
  }
  return token.value();
}

ApiResponse CloudService::createSession(const std::string& apiKey, const CreateSessionBody& request) {
  ApiResponse refusal;
  const auto team = teamOf(apiKey, refusal);
  if (!team) return refusal;
  EnrollmentSession session;
  session.nonce = request.nonce;
  session.teamId = *team;
  session.expectedHostId = request.expectedHostId;
  session.createdAt = now();
  session.expiresAt = session.createdAt + request.ttlSeconds;
  auto created = store_.createSession(session);
  if (!created.ok()) return internalError(created.error());
  if (created.value() == CreateSessionOutcome::kAlreadyExists) return errorResponse(409, texts::kSessionExists);
  return ApiResponse{201, Json{{"nonce", session.nonce}, {"state", "pending"}, {"expires_at", timeText(session.expiresAt)}},
                     std::nullopt};
}

ApiResponse CloudService::submitAgent(const std::string& nonce, const AgentSubmission& agent) {
  auto outcome = store_.submitAgent(nonce, agent, now());
  if (!outcome.ok()) return internalError(outcome.error());
  switch (outcome.value()) {
    case SubmitOutcome::kCompleted: return ApiResponse{200, Json{{"nonce", nonce}, {"state", "completed"}}, {}};
    case SubmitOutcome::kNotFound: return errorResponse(404, texts::kSessionNotFound);
    case SubmitOutcome::kExpired: return errorResponse(410, texts::kSessionExpired);
    case SubmitOutcome::kNotPending: return errorResponse(409, texts::kSessionNotPending);
    case SubmitOutcome::kHostMismatch: return errorResponse(403, texts::kHostMismatch);
  }
  return internalError("unknown submit outcome");
}

ApiResponse CloudService::sessionResult(const std::string& apiKey, const std::string& nonce) {
  ApiResponse refusal;
  const auto team = teamOf(apiKey, refusal);
  if (!team) return refusal;
  auto found = store_.findSession(nonce);
  if (!found.ok()) return internalError(found.error());
  if (!found.value() || found.value()->teamId != *team) return errorResponse(404, texts::kSessionNotFound);
  const EnrollmentSession& session = *found.value();
  const UnixSeconds current = now();
  if (session.state == SessionState::kConsumed) return ApiResponse{200, Json{{"state", "consumed"}}, {}};
  if (current >= session.expiresAt) return errorResponse(410, texts::kSessionExpired);
  if (session.state == SessionState::kPending) {
    return ApiResponse{202, Json{{"state", "pending"}, {"expires_at", timeText(session.expiresAt)}}, {}};
  }
  const BootstrapClaims claims{session.nonce, session.teamId, session.agent.hostId, current,
                               current + settings_.bootstrapCodeTtl.count()};
  const std::string code = signBootstrapCode(claims, signingKey_);
  if (code.empty()) return internalError("cannot sign a bootstrap code");
  return ApiResponse{200,
                     Json{{"state", "completed"},
                          {"bootstrap_code", code},
                          {"bootstrap_code_expires_at", timeText(claims.expiresAt)},
                          {"agent", agentJson(session.agent)},
                          {"invite_token", session.agent.inviteToken}},
                     {}};
}

ApiResponse CloudService::postAnswer(const std::string& apiKey, const std::string& nonce, const AnswerBody& request) {
  ApiResponse refusal;
  const auto team = teamOf(apiKey, refusal);
  if (!team) return refusal;
  auto outcome = store_.setOperatorAnswer(nonce, *team, request.answer);
  if (!outcome.ok()) return internalError(outcome.error());
  switch (outcome.value()) {
    case AnswerOutcome::kAnswered: return ApiResponse{200, Json{{"state", "answered"}}, {}};
    case AnswerOutcome::kNotFound: return errorResponse(404, texts::kSessionNotFound);
    case AnswerOutcome::kNoSubmission: return errorResponse(409, texts::kNoSubmission);
    case AnswerOutcome::kAlreadyAnswered: return errorResponse(409, texts::kAlreadyAnswered);
  }
  return internalError("unknown answer outcome");
}

ApiResponse CloudService::getAnswer(const std::string& nonce) {
  auto found = store_.findSession(nonce);
  if (!found.ok()) return internalError(found.error());
  if (!found.value()) return errorResponse(404, texts::kSessionNotFound);
  const EnrollmentSession& session = *found.value();
  if (session.operatorAnswer.empty()) {
    if (now() >= session.expiresAt) return errorResponse(410, texts::kSessionExpired);
    return ApiResponse{202, Json{{"state", "waiting"}}, {}};
  }
  return ApiResponse{200, Json{{"state", "answered"}, {"answer", Json::parse(session.operatorAnswer, nullptr, false)}},
                     {}};
}

ApiResponse CloudService::exchange(const std::string& apiKey, const ExchangeBody& request) {
  ApiResponse refusal;
  const auto team = teamOf(apiKey, refusal);
  if (!team) return refusal;
  const UnixSeconds current = now();
  const auto claims = verifyBootstrapCode(request.bootstrapCode, signingKey_, current);
  if (!claims || claims->nonce != request.nonce || claims->teamId != *team) {
    return errorResponse(401, texts::kInvalidBootstrapCode);
  }
  const std::string token = randomToken();
  ConsumeRequest consume;
  consume.nonce = claims->nonce;
  consume.teamId = *team;
  consume.codeHostId = claims->hostId;
  consume.token.tokenSha256 = sha256Hex(token);
  consume.token.expiresAt = current + settings_.tokenTtl.count();
  auto outcome = store_.consumeSession(consume, current);
  if (!outcome.ok()) return internalError(outcome.error());
  switch (outcome.value()) {
    case ConsumeOutcome::kConsumed:
      return ApiResponse{200,
                         Json{{"agent_token", token},
                              {"expires_at", timeText(consume.token.expiresAt)},
                              {"host_id", claims->hostId}},
                         {}};
    case ConsumeOutcome::kAlreadyConsumed: return errorResponse(409, texts::kAlreadyExchanged);
    case ConsumeOutcome::kMissingHostId: return errorResponse(400, texts::kMissingAgentHostId);
    case ConsumeOutcome::kNotFound:
    case ConsumeOutcome::kNotCompleted:
    case ConsumeOutcome::kHostMismatch: return errorResponse(401, texts::kInvalidBootstrapCode);
  }
  return internalError("unknown consume outcome");
}

ApiResponse CloudService::registerToken(const std::string& apiKey, const RegisterBody& request) {
  ApiResponse refusal;
  const auto team = teamOf(apiKey, refusal);
  if (!team) return refusal;
  const UnixSeconds current = now();
  const HostRecord host{request.hostId, *team, request.publicKey, "", "", "", 0};
  const TokenRecord token{request.tokenSha256, request.hostId, *team, current, current + settings_.tokenTtl.count(),
                          0, "", ""};
  auto outcome = store_.registerToken(host, token);
  if (!outcome.ok()) return internalError(outcome.error());
  switch (outcome.value()) {
    case RegisterOutcome::kRegistered:
      return ApiResponse{201, Json{{"host_id", request.hostId}, {"expires_at", timeText(token.expiresAt)}}, {}};
    case RegisterOutcome::kHostOfAnotherTeam: return errorResponse(409, texts::kHostOfAnotherTeam);
    case RegisterOutcome::kTokenExists: return errorResponse(409, texts::kTokenExists);
  }
  return internalError("unknown register outcome");
}

std::string CloudService::rotatedToken(const std::string& oldToken, const std::string& requestId) const {
  // The request id's length is bounded by its parser, so the separator keeps (token, id) pairs distinct.
  return tokenFromDigest(hmacSha256(rotationKey_, oldToken + "\n" + requestId));
}

ApiResponse CloudService::rotate(const std::string& agentToken, const RotateBody& request) {
  const std::string replacement = rotatedToken(agentToken, request.requestId);
  RotateRequest rotation;
  rotation.oldTokenSha256 = sha256Hex(agentToken);
  rotation.requestId = request.requestId;
  rotation.now = now();
  rotation.grace = settings_.rotationGrace.count();
  rotation.replacement.tokenSha256 = sha256Hex(replacement);
  rotation.replacement.expiresAt = rotation.now + settings_.tokenTtl.count();
  auto result = store_.rotateToken(rotation);
  if (!result.ok()) return internalError(result.error());
  if (result.value().outcome == RotateOutcome::kRefused) return errorResponse(401, texts::kInvalidAgentToken);
  return ApiResponse{
      200, Json{{"agent_token", replacement}, {"expires_at", timeText(result.value().replacement.expiresAt)}}, {}};
}

ApiResponse CloudService::reportEndpoint(const std::string& agentToken, const std::string& hostId,
                                         const EndpointBody& request) {
  ApiResponse refusal;
  const auto token = activeToken(agentToken, refusal);
  if (!token) return refusal;
  if (token->hostId != hostId) return errorResponse(403, texts::kTokenOfAnotherHost);
  {
    std::lock_guard lock(reportLimiterMutex_);
    const auto steadyNow = settings_.steadyClock();
    if (!reportLimiter_.allow(hostId, steadyNow)) {
      const auto wait = reportLimiter_.retryAfter(hostId, steadyNow);
      ApiResponse limited = errorResponse(429, texts::kTooManyEndpointReports);
      limited.retryAfterSeconds = static_cast<int>(std::ceil(static_cast<double>(wait.count()) / 1000.0));
      if (*limited.retryAfterSeconds < 1) limited.retryAfterSeconds = 1;
      return limited;
    }
  }
  const UnixSeconds current = now();
  const Status stored = store_.reportEndpoint(hostId, request.endpoint, request.localEndpoint, request.natType, current);
  if (!stored.ok()) return internalError(stored.error());
  return ApiResponse{200, Json{{"host_id", hostId}, {"reported_at", timeText(current)}}, {}};
}

}  // namespace nefia::cloud
