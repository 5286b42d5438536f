// The reference's enrollment error table: the exact texts the hub answers with and the resolution line the agent
// prints under each. The texts are a protocol contract: never reword them.
#pragma once

#include <string_view>

namespace nefia::invite {

inline constexpr std::string_view kErrorTokenExpired = "token has expired";
inline constexpr std::string_view kErrorNonceReused = "token has already been used (nonce reused)";
inline constexpr std::string_view kErrorInvalidSignature = "invalid token signature";
inline constexpr std::string_view kErrorValidationFailed = "validation failed";
inline constexpr std::string_view kErrorEmptyNonce = "enrollment nonce must not be empty";
inline constexpr std::string_view kErrorRateLimited = "too many enrollment requests";

// The reference's resolution for one of the texts above; for any other text, the one of "validation failed".
std::string_view enrollErrorResolution(std::string_view error);

}  // namespace nefia::invite
