// libjwt 1.10 verifies with whatever algorithm the header names, so the algorithm is checked after decoding and
// exp by hand (that version has no claim validation). Keys never leave this file's stack frames.
#include "operator/cloud/bootstrap_code.h"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace nefia::cloud {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPointer = std::unique_ptr<jwt_t, JwtDeleter>;

struct StringDeleter {
  void operator()(char* text) const { std::free(text); }
};

std::optional<std::string> textClaim(jwt_t* jwt, const char* name) {
  const char* value = jwt_get_grant(jwt, name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<UnixSeconds> integerClaim(jwt_t* jwt, const char* name) {
  errno = 0;
  const long value = jwt_get_grant_int(jwt, name);
  if (errno != 0) return std::nullopt;
  return static_cast<UnixSeconds>(value);
}

}  // namespace

std::string signBootstrapCode(const BootstrapClaims& claims, const std::string& key) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return {};
  JwtPointer jwt(raw);
  if (jwt_add_grant(raw, "nonce", claims.nonce.c_str()) != 0 || jwt_add_grant(raw, "team_id", claims.teamId.c_str()) != 0 ||
      jwt_add_grant(raw, "host_id", claims.hostId.c_str()) != 0 ||
      jwt_add_grant_int(raw, "iat", static_cast<long>(claims.issuedAt)) != 0 ||
      jwt_add_grant_int(raw, "exp", static_cast<long>(claims.expiresAt)) != 0 ||
      jwt_set_alg(raw, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) != 0) {
    return {};
  }
  std::unique_ptr<char, StringDeleter> encoded(jwt_encode_str(raw));
  return encoded ? std::string(encoded.get()) : std::string();
}

std::optional<BootstrapClaims> verifyBootstrapCode(std::string_view code, const std::string& key, UnixSeconds now) {
  if (code.empty() || code.size() > kMaxBootstrapCodeBytes || key.empty()) return std::nullopt;
  const std::string text(code);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                 static_cast<int>(key.size())) != 0) {
    jwt_free(raw);
    return std::nullopt;
  }
  JwtPointer jwt(raw);
  if (jwt_get_alg(raw) != JWT_ALG_HS256) return std::nullopt;
  BootstrapClaims claims;
  const auto nonce = textClaim(raw, "nonce");
  const auto team = textClaim(raw, "team_id");
  const auto host = textClaim(raw, "host_id");
  const auto issued = integerClaim(raw, "iat");
  const auto expires = integerClaim(raw, "exp");
  if (!nonce || !team || !host || !issued || !expires) return std::nullopt;
  if (now >= *expires) return std::nullopt;
  return BootstrapClaims{*nonce, *team, *host, *issued, *expires};
}

}  // namespace nefia::cloud
