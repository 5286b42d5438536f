// Maps one HTTP request (method, target, Authorization, body, client address) to the CloudService call API.md
// names, after the per-IP rate limit; transport-free so tests and fuzzers drive it without sockets.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "operator/cloud/api_response.h"
#include "operator/cloud/cloud_service.h"
#include "operator/rate_limiter.h"

namespace nefia::cloud {

struct HttpRequestView {
  std::string_view method;
  std::string_view target;
  std::string_view authorization;
  std::string_view body;
  std::string clientAddress;  // IP text of the peer
};

// Per-IP defaults: a burst of 20 and one request every 500 ms, 4096 addresses (the hub's eviction order).
constexpr hub::RateLimiterSettings kDefaultPerIpLimit{20, std::chrono::milliseconds(500), 4096};

class CloudRouter {
 public:
  CloudRouter(CloudService& service, hub::RateLimiterSettings perIp,
              std::function<hub::SteadyTime()> steadyClock = [] { return std::chrono::steady_clock::now(); });
  ApiResponse handle(const HttpRequestView& request);

 private:
  struct RouteContext {
    const HttpRequestView& request;
    std::optional<std::string> credential;
    bool isPost;
    bool isGet;
  };
  std::optional<ApiResponse> rateLimited(const std::string& clientAddress);
  ApiResponse dispatch(const HttpRequestView& request);
  ApiResponse dispatchTokens(const RouteContext& context, std::string_view path);
  ApiResponse dispatchSession(const RouteContext& context, const std::string& nonce, std::string_view action);

  CloudService& service_;
  std::function<hub::SteadyTime()> steadyClock_;
  std::mutex limiterMutex_;
  hub::RateLimiter perIp_;
};

// The credential of "Bearer <credential>" (scheme case-insensitive), or nullopt when absent or malformed.
std::optional<std::string> bearerCredential(std::string_view authorization);

}  // namespace nefia::cloud
