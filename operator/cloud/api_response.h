// What a nefia-cloud handler answers: a status, a JSON body, and a Retry-After for 429s. Error bodies are always
// {"error": text}; the texts are API.md's, word for word.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace nefia::cloud {

struct ApiResponse {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
  std::optional<int> retryAfterSeconds;
};

inline ApiResponse errorResponse(int status, const std::string& text) {
  return ApiResponse{status, nlohmann::json{{"error", text}}, std::nullopt};
}

namespace texts {
inline constexpr const char* kInvalidBootstrapCode = "Invalid bootstrap code";
inline constexpr const char* kAlreadyExchanged = "Bootstrap code has already been exchanged";
inline constexpr const char* kMissingAgentHostId = "Enrollment session is missing agent_host_id";
inline constexpr const char* kMissingAuthorization = "missing or malformed Authorization header";
inline constexpr const char* kInvalidApiKey = "invalid API key";
inline constexpr const char* kInvalidAgentToken = "Agent token is invalid, expired or revoked";
inline constexpr const char* kTokenOfAnotherHost = "Agent token is not valid for this host";
inline constexpr const char* kSessionNotFound = "Enrollment session not found";
inline constexpr const char* kSessionExpired = "Enrollment session has expired";
inline constexpr const char* kSessionExists = "Enrollment session already exists";
inline constexpr const char* kSessionNotPending = "Enrollment session is not pending";
inline constexpr const char* kHostMismatch = "host_id does not match the enrollment session's expected_host_id";
inline constexpr const char* kNoSubmission = "Enrollment session has no agent submission yet";
inline constexpr const char* kAlreadyAnswered = "Enrollment session already has an answer";
inline constexpr const char* kHostOfAnotherTeam = "host_id belongs to another team";
inline constexpr const char* kTokenExists = "token is already registered";
inline constexpr const char* kTooManyEndpointReports = "too many endpoint reports for this host";
inline constexpr const char* kTooManyRequests = "too many enrollment requests";
inline constexpr const char* kInternal = "internal error";
inline constexpr const char* kNoSuchEndpoint = "no such endpoint";
inline constexpr const char* kMethodNotAllowed = "method not allowed";
inline constexpr const char* kBodyTooLarge = "request body too large";
inline constexpr const char* kHeaderTooLarge = "request header too large";
}  // namespace texts

}  // namespace nefia::cloud
