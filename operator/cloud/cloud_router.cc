// Routing table of API.md in dispatch(): the path decides the endpoint, then method (405), credential (401), body
// (400) and finally the service. Path parameters are validated before they reach the store.
#include "operator/cloud/cloud_router.h"

#include <cmath>

#include "operator/connection_table.h"

namespace nefia::cloud {
namespace {

constexpr std::string_view kSessionsPrefix = "/api/enrollment/sessions/";
constexpr std::string_view kHostsPrefix = "/api/hosts/";
constexpr std::size_t kMaxCredentialBytes = 512;

bool iequalsPrefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char a = static_cast<char>(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
    if (a != prefix[i]) return false;
  }
  return true;
}

// "<prefix><parameter>/<suffix>": the parameter, or nullopt when the path has another shape.
std::optional<std::string_view> parameterBetween(std::string_view path, std::string_view prefix,
                                                 std::string_view suffix) {
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = path.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash + 1) != suffix) return std::nullopt;
  return rest.substr(0, slash);
}

template <typename Parsed, typename Call>
ApiResponse withBody(Parsed&& parsed, Call&& call) {
  if (!parsed.ok()) return errorResponse(400, parsed.error());
  return call(parsed.value());
}

}  // namespace

std::optional<std::string> bearerCredential(std::string_view authorization) {
  if (!iequalsPrefix(authorization, "bearer ")) return std::nullopt;
  std::string_view credential = authorization.substr(7);
  if (credential.empty() || credential.size() > kMaxCredentialBytes) return std::nullopt;
  for (const char c : credential) {
    if (c <= ' ' || c > '~') return std::nullopt;
  }
  return std::string(credential);
}

CloudRouter::CloudRouter(CloudService& service, hub::RateLimiterSettings perIp,
                         std::function<hub::SteadyTime()> steadyClock)
    : service_(service), steadyClock_(std::move(steadyClock)), perIp_(perIp) {}

std::optional<ApiResponse> CloudRouter::rateLimited(const std::string& clientAddress) {
  const std::string key = hub::addressKeyFor(clientAddress);
  std::lock_guard lock(limiterMutex_);
  const auto now = steadyClock_();
  if (perIp_.allow(key, now)) return std::nullopt;
  ApiResponse limited = errorResponse(429, texts::kTooManyRequests);
  const auto wait = perIp_.retryAfter(key, now);
  limited.retryAfterSeconds = std::max(1, static_cast<int>(std::ceil(static_cast<double>(wait.count()) / 1000.0)));
  return limited;
}

ApiResponse CloudRouter::handle(const HttpRequestView& request) {
  if (auto limited = rateLimited(request.clientAddress)) return *limited;
  return dispatch(request);
}

ApiResponse CloudRouter::dispatch(const HttpRequestView& request) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  const bool isPost = request.method == "POST";
  const bool isGet = request.method == "GET";
  const auto credential = bearerCredential(request.authorization);
  const ApiResponse noCredential = errorResponse(401, texts::kMissingAuthorization);
  const ApiResponse wrongMethod = errorResponse(405, texts::kMethodNotAllowed);

  if (path == "/api/enrollment/sessions") {
    if (!isPost) return wrongMethod;
    if (!credential) return noCredential;
    return withBody(parseCreateSession(request.body),
                    [&](const CreateSessionBody& body) { return service_.createSession(*credential, body); });
  }
  if (path == "/api/agent-tokens/bootstrap/exchange" || path == "/api/agent-tokens/register" ||
      path == "/api/agent-tokens/rotate") {
    if (!isPost) return wrongMethod;
    if (!credential) return noCredential;
    if (path == "/api/agent-tokens/rotate") {
      return withBody(parseRotate(request.body),
                      [&](const RotateBody& body) { return service_.rotate(*credential, body); });
    }
    if (path == "/api/agent-tokens/register") {
      return withBody(parseRegister(request.body),
                      [&](const RegisterBody& body) { return service_.registerToken(*credential, body); });
    }
    return withBody(parseExchange(request.body),
                    [&](const ExchangeBody& body) { return service_.exchange(*credential, body); });
  }
  if (const auto hostId = parameterBetween(path, kHostsPrefix, "endpoint")) {
    if (!isValidHostId(*hostId)) return errorResponse(404, texts::kNoSuchEndpoint);
    if (!isPost) return wrongMethod;
    if (!credential) return noCredential;
    return withBody(parseEndpointReport(request.body), [&](const EndpointBody& body) {
      return service_.reportEndpoint(*credential, std::string(*hostId), body);
    });
  }
  for (const std::string_view action : {"submit", "result", "answer"}) {
    const auto nonce = parameterBetween(path, kSessionsPrefix, action);
    if (!nonce) continue;
    if (!isValidNonce(*nonce)) return errorResponse(404, texts::kSessionNotFound);
    const std::string nonceText(*nonce);
    if (action == "submit") {
      if (!isPost) return wrongMethod;
      return withBody(parseAgentSubmission(request.body),
                      [&](const AgentSubmission& agent) { return service_.submitAgent(nonceText, agent); });
    }
    if (action == "result") {
      if (!isGet) return wrongMethod;
      if (!credential) return noCredential;
      return service_.sessionResult(*credential, nonceText);
    }
    if (isGet) return service_.getAnswer(nonceText);
    if (!isPost) return wrongMethod;
    if (!credential) return noCredential;
    return withBody(parseAnswer(request.body),
                    [&](const AnswerBody& body) { return service_.postAnswer(*credential, nonceText, body); });
  }
  return errorResponse(404, texts::kNoSuchEndpoint);
}

}  // namespace nefia::cloud
