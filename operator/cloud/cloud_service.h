// The decisions of every nefia-cloud endpoint (API.md), independent of HTTP: credentials in, ApiResponse out.
// Thread-safe (the store is; the per-host report limiter has its own lock). Never logs or returns a stored secret.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "operator/cloud/api_response.h"
#include "operator/cloud/cloud_store.h"
#include "operator/cloud/request_parsers.h"
#include "operator/rate_limiter.h"

namespace nefia::cloud {

struct CloudServiceSettings {
  std::chrono::seconds bootstrapCodeTtl{300};
  std::chrono::seconds tokenTtl{90 * 24 * 3600};
  std::chrono::seconds rotationGrace{600};
  hub::RateLimiterSettings endpointReports{10, std::chrono::milliseconds(6000), 65536};  // 10 per minute per host
  std::function<UnixSeconds()> wallClock;          // default: the system clock
  std::function<hub::SteadyTime()> steadyClock;    // default: the steady clock
};

class CloudService {
 public:
  // Loads (or creates, on first start) the signing and rotation secrets from the store.
  static Result<std::unique_ptr<CloudService>> create(CloudStore& store, CloudServiceSettings settings);

  ApiResponse createSession(const std::string& apiKey, const CreateSessionBody& request);
  ApiResponse submitAgent(const std::string& nonce, const AgentSubmission& agent);
  ApiResponse sessionResult(const std::string& apiKey, const std::string& nonce);
  ApiResponse postAnswer(const std::string& apiKey, const std::string& nonce, const AnswerBody& request);
  ApiResponse getAnswer(const std::string& nonce);
  ApiResponse exchange(const std::string& apiKey, const ExchangeBody& request);
  ApiResponse registerToken(const std::string& apiKey, const RegisterBody& request);
  ApiResponse rotate(const std::string& agentToken, const RotateBody& request);
  ApiResponse reportEndpoint(const std::string& agentToken, const std::string& hostId, const EndpointBody& request);

  // The token a rotation of oldToken under requestId issues (the same on every retry).
  std::string rotatedToken(const std::string& oldToken, const std::string& requestId) const;

 private:
  CloudService(CloudStore& store, CloudServiceSettings settings, std::string signingKey, std::string rotationKey);
  // The team of apiKey, or the 401 to answer.
  std::optional<std::string> teamOf(const std::string& apiKey, ApiResponse& refusal);
  std::optional<TokenRecord> activeToken(const std::string& agentToken, ApiResponse& refusal);
  UnixSeconds now() const { return settings_.wallClock(); }

  CloudStore& store_;
  CloudServiceSettings settings_;
  std::string signingKey_;
  std::string rotationKey_;
  std::mutex reportLimiterMutex_;
  hub::RateLimiter reportLimiter_;
};

}  // namespace nefia::cloud
