// Invite tokens: "<base64url JSON payload>.<base64url HMAC-SHA256>", signed with the operator hub's secret.
// Parsing is strict and total: any malformed part is an error with a reason, never a crash or a partial token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secure_buffer.h"

namespace nefia::invite {

constexpr int kInviteTokenVersion = 1;
constexpr std::size_t kMaxInviteTokenBytes = 8 * 1024;
constexpr std::size_t kMaxEnrollAddresses = 8;
constexpr std::size_t kMaxNonceBytes = 64;
constexpr uint16_t kDefaultEnrollPort = 19820;

struct InvitePayload {
  int version = kInviteTokenVersion;
  std::string hostName;                    // the name the operator gave the host
  std::string os;                          // "linux", "macos" or "windows"
  std::string nonce;                       // single use; may be empty here, the hub refuses it
  int64_t expiresAt = 0;                   // Unix seconds
  std::vector<std::string> enrollAddresses;  // "host:port", tried in order
  std::string operatorPublicKey;           // WireGuard, base64 of 32 bytes
  std::string operatorVpnAddr;             // e.g. 10.99.0.1
  std::string hubCertSha256;               // lowercase hex SHA-256 of the hub's DER certificate
  bool stun = false;
  bool operator==(const InvitePayload&) const = default;
};

// The token text; starts with "eyJ" (base64 of '{"').
std::string signInviteToken(const InvitePayload& payload, const Key32& hubSecret);

// Structure only (the agent cannot check the signature: it does not hold the hub's secret).
// Errors start with "malformed invite token: " and say which part is wrong.
Result<InvitePayload> parseInviteToken(std::string_view token);

// Structure and signature (the hub). Signature mismatch: exactly "invalid token signature".
Result<InvitePayload> verifyInviteToken(std::string_view token, const Key32& hubSecret);

// A fresh random nonce (128 bits, base64url).
std::string makeNonce();

}  // namespace nefia::invite
