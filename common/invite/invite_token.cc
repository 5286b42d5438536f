// Invite token encoding and strict decoding. The signature covers the payload's base64url text exactly as sent,
// so re-encoding differences can never make a tampered token verify. No exceptions: JSON is parsed without them.
#include "common/invite/invite_token.h"

#include <sodium.h>

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/config/net_address.h"
#include "common/invite/enroll_errors.h"

namespace nefia::invite {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 10> kFields = {"version", "name", "os", "nonce", "expires_at",
                                                      "enroll_addrs", "operator_public_key", "operator_vpn_addr",
                                                      "hub_cert_sha256", "stun"};
constexpr std::size_t kMaxHostNameBytes = 63;

Error malformed(const std::string& what) {
  return makeError("malformed invite token: " + what + "; copy the full token string again from the operator");
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

bool isNonceChar(char c) { return isNameChar(c) && c != '.'; }

bool isLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::array<uint8_t, crypto_auth_hmacsha256_BYTES> mac(std::string_view signedText, const Key32& secret) {
  std::array<uint8_t, crypto_auth_hmacsha256_BYTES> out{};
  crypto_auth_hmacsha256(out.data(), reinterpret_cast<const unsigned char*>(signedText.data()), signedText.size(),
                         secret.data());
  return out;
}

Result<InvitePayload> payloadFromJson(const Json& json) {
  if (!json.is_object()) return malformed("the payload is not a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) return malformed("unknown field \"" + key + "\"");
  }
  for (std::string_view field : kFields) {
    if (!json.contains(field)) return malformed("field \"" + std::string(field) + "\" is missing");
  }
  auto text = [&](const char* field) -> const std::string* {
    const Json& value = json.at(field);
    return value.is_string() ? value.get_ptr<const std::string*>() : nullptr;
  };
  InvitePayload payload;
  const Json& version = json.at("version");
  if (!version.is_number_integer() || version.get<int64_t>() != kInviteTokenVersion) {
    return malformed("unsupported version (this agent reads version " + std::to_string(kInviteTokenVersion) + ")");
  }
  const std::string* name = text("name");
  if (name == nullptr || name->empty() || name->size() > kMaxHostNameBytes ||
      !std::all_of(name->begin(), name->end(), isNameChar)) {
    return malformed("\"name\" must be 1-63 letters, digits, '.', '-' or '_'");
  }
  payload.hostName = *name;
  const std::string* os = text("os");
  if (os == nullptr || (*os != "linux" && *os != "macos" && *os != "windows")) {
    return malformed("\"os\" must be linux, macos or windows");
  }
  payload.os = *os;
  const std::string* nonce = text("nonce");
  if (nonce == nullptr || nonce->size() > kMaxNonceBytes || !std::all_of(nonce->begin(), nonce->end(), isNonceChar)) {
    return malformed("\"nonce\" must be a string of at most 64 base64url characters");
  }
  payload.nonce = *nonce;
  const Json& expiresAt = json.at("expires_at");
  if (!expiresAt.is_number_integer() || expiresAt.get<int64_t>() <= 0) {
    return malformed("\"expires_at\" must be a positive integer (Unix seconds)");
  }
  payload.expiresAt = expiresAt.get<int64_t>();
  const Json& addresses = json.at("enroll_addrs");
  if (!addresses.is_array() || addresses.empty() || addresses.size() > kMaxEnrollAddresses) {
    return malformed("\"enroll_addrs\" must list 1-8 host:port addresses");
  }
  for (const Json& address : addresses) {
    if (!address.is_string() || !parseHostPort(address.get_ref<const std::string&>()).ok()) {
      return malformed("\"enroll_addrs\" holds an entry that is not host:port");
    }
    payload.enrollAddresses.push_back(address.get<std::string>());
  }
  const std::string* publicKey = text("operator_public_key");
  if (publicKey == nullptr || !isBase64Key32(*publicKey)) {
    return malformed("\"operator_public_key\" is not a base64 WireGuard key");
  }
  payload.operatorPublicKey = *publicKey;
  const std::string* vpnAddr = text("operator_vpn_addr");
  if (vpnAddr == nullptr || !parseIpAddress(*vpnAddr).ok()) return malformed("\"operator_vpn_addr\" is not an IP address");
  payload.operatorVpnAddr = *vpnAddr;
  const std::string* fingerprint = text("hub_cert_sha256");
  if (fingerprint == nullptr || fingerprint->size() != 64 || !isLowerHex(*fingerprint)) {
    return malformed("\"hub_cert_sha256\" must be 64 lowercase hex digits");
  }
  payload.hubCertSha256 = *fingerprint;
  const Json& stun = json.at("stun");
  if (!stun.is_boolean()) return malformed("\"stun\" must be true or false");
  payload.stun = stun.get<bool>();
  return payload;
}

struct SplitToken {
  std::string_view payloadText;
  std::vector<uint8_t> signature;
};

Result<SplitToken> splitToken(std::string_view token) {
  if (token.empty()) return malformed("the token is empty");
  if (token.size() > kMaxInviteTokenBytes) return malformed("the token is longer than 8 KiB");
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) {
    return malformed("expected two parts separated by one '.'");
  }
  auto signature = base64UrlDecode(token.substr(dot + 1));
  if (!signature || signature->size() != crypto_auth_hmacsha256_BYTES) {
    return malformed("the signature part is not base64url of 32 bytes");
  }
  return SplitToken{token.substr(0, dot), std::move(*signature)};
}

}  // namespace

std::string signInviteToken(const InvitePayload& payload, const Key32& hubSecret) {
  const Json json = {{"version", payload.version},
                     {"name", payload.hostName},
                     {"os", payload.os},
                     {"nonce", payload.nonce},
                     {"expires_at", payload.expiresAt},
                     {"enroll_addrs", payload.enrollAddresses},
                     {"operator_public_key", payload.operatorPublicKey},
                     {"operator_vpn_addr", payload.operatorVpnAddr},
                     {"hub_cert_sha256", payload.hubCertSha256},
                     {"stun", payload.stun}};
  const std::string body = json.dump();
  std::string token = base64UrlEncode(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  const auto signature = mac(token, hubSecret);
  token += '.';
  token += base64UrlEncode(signature.data(), signature.size());
  return token;
}

Result<InvitePayload> parseInviteToken(std::string_view token) {
  Result<SplitToken> parts = splitToken(token);
  if (!parts.ok()) return makeError(parts.error());
  auto body = base64UrlDecode(parts->payloadText);
  if (!body || body->empty()) return malformed("the payload part is not base64url");
  const Json json = Json::parse(body->begin(), body->end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return malformed("the payload is not valid JSON");
  return payloadFromJson(json);
}

Result<InvitePayload> verifyInviteToken(std::string_view token, const Key32& hubSecret) {
  Result<SplitToken> parts = splitToken(token);
  if (!parts.ok()) return makeError(std::string(kErrorInvalidSignature));
  const auto expected = mac(parts->payloadText, hubSecret);
  if (sodium_memcmp(expected.data(), parts->signature.data(), expected.size()) != 0) {
    return makeError(std::string(kErrorInvalidSignature));
  }
  // A correctly signed payload that does not parse was produced by a hub of another version.
  Result<InvitePayload> payload = parseInviteToken(token);
  if (!payload.ok()) return makeError(std::string(kErrorValidationFailed));
  return payload;
}

std::string makeNonce() {
  std::array<uint8_t, 16> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return base64UrlEncode(bytes.data(), bytes.size());
}

}  // namespace nefia::invite
