// Routing table of API.md in dispatch(): the path decides the endpoint, then method (405), credential (401), body
// (400) and finally the service. Path parameters are validated before they reach the store.
#include "operator/cloud/cloud_router.h"

#include <cmath>

#include "operator/connection_table.h"

namespace nefia::cloud {
namespace {

constexpr std::string_view kSessionsPrefix = "/api/enrollment/sessions/";
constexpr std::string_view kHostsPrefix = "/api/hosts/";
constexpr std::string_view kTokensPrefix = "/api/agent-tokens/";
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
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  const RouteContext context{request, bearerCredential(request.authorization), request.method == "POST",
                             request.method == "GET"};
  if (path == "/api/enrollment/sessions") {
    if (!context.isPost) return errorResponse(405, texts::kMethodNotAllowed);
    if (!context.credential) return errorResponse(401, texts::kMissingAuthorization);
    return withBody(parseCreateSession(request.body),
                    [&](const CreateSessionBody& body) { return service_.createSession(*context.credential, body); });
  }
  if (path.substr(0, kTokensPrefix.size()) == kTokensPrefix) return dispatchTokens(context, path);
  if (const auto hostId = parameterBetween(path, kHostsPrefix, "endpoint")) {
    if (!isValidHostId(*hostId)) return errorResponse(404, texts::kNoSuchEndpoint);
    if (!context.isPost) return errorResponse(405, texts::kMethodNotAllowed);
    if (!context.credential) return errorResponse(401, texts::kMissingAuthorization);
    return withBody(parseEndpointReport(request.body), [&](const EndpointBody& body) {
      return service_.reportEndpoint(*context.credential, std::string(*hostId), body);
    });
  }
  for (const std::string_view action : {"submit", "result", "answer"}) {
    if (const auto nonce = parameterBetween(path, kSessionsPrefix, action)) {
      return dispatchSession(context, std::string(*nonce), action);
    }
  }
  return errorResponse(404, texts::kNoSuchEndpoint);
}

ApiResponse CloudRouter::dispatchTokens(const RouteContext& context, std::string_view path) {
  const std::string_view action = path.substr(kTokensPrefix.size());
  if (action != "bootstrap/exchange" && action != "register" && action != "rotate") {
    return errorResponse(404, texts::kNoSuchEndpoint);
  }
  if (!context.isPost) return errorResponse(405, texts::kMethodNotAllowed);
  if (!context.credential) return errorResponse(401, texts::kMissingAuthorization);
  const std::string& credential = *context.credential;
  const std::string_view body = context.request.body;
  if (action == "rotate") {
    return withBody(parseRotate(body), [&](const RotateBody& parsed) { return service_.rotate(credential, parsed); });
  }
  if (action == "register") {
    return withBody(parseRegister(body),
                    [&](const RegisterBody& parsed) { return service_.registerToken(credential, parsed); });
  }
  return withBody(parseExchange(body),
                  [&](const ExchangeBody& parsed) { return service_.exchange(credential, parsed); });
}

ApiResponse CloudRouter::dispatchSession(const RouteContext& context, const std::string& nonce,
                                         std::string_view action) {
  if (!isValidNonce(nonce)) return errorResponse(404, texts::kSessionNotFound);
  if (action == "submit") {
    if (!context.isPost) return errorResponse(405, texts::kMethodNotAllowed);
    return withBody(parseAgentSubmission(context.request.body),
                    [&](const AgentSubmission& agent) { return service_.submitAgent(nonce, agent); });
  }
  if (action == "answer" && context.isGet) return service_.getAnswer(nonce);
  if ((action == "result" && !context.isGet) || (action == "answer" && !context.isPost)) {
    return errorResponse(405, texts::kMethodNotAllowed);
  }
  if (!context.credential) return errorResponse(401, texts::kMissingAuthorization);
  if (action == "result") return service_.sessionResult(*context.credential, nonce);
  return withBody(parseAnswer(context.request.body),
                  [&](const AnswerBody& body) { return service_.postAnswer(*context.credential, nonce, body); });
}

}  // namespace nefia::cloud
