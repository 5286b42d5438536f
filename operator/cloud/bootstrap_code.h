// Bootstrap codes (reference: "2-Phase Bootstrap Code Exchange"): HS256 JWTs through libjwt carrying the session
// nonce, team id and host id, valid 5 minutes. Verification pins HS256 and checks exp; it never trusts the header.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "operator/cloud/cloud_store.h"

namespace nefia::cloud {

constexpr std::chrono::seconds kBootstrapCodeTtl{300};
constexpr std::size_t kMaxBootstrapCodeBytes = 4096;

struct BootstrapClaims {
  std::string nonce;
  std::string teamId;
  std::string hostId;  // may be empty: the agent did not report one (the exchange refuses it)
  UnixSeconds issuedAt = 0;
  UnixSeconds expiresAt = 0;
};

// The signed code; empty only if libjwt fails to allocate.
std::string signBootstrapCode(const BootstrapClaims& claims, const std::string& key);

// The claims of a code signed with key using HS256, not yet expired at now; nullopt for anything else
// (another algorithm, "none" included, a bad signature, a missing or wrong-typed claim, an expired code).
std::optional<BootstrapClaims> verifyBootstrapCode(std::string_view code, const std::string& key, UnixSeconds now);

}  // namespace nefia::cloud
