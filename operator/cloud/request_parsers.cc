// Body parsing in two steps: bounded JSON (nesting checked before nlohmann sees the bytes, exceptions off) and
// then one field reader per rule, so each error text names its field and comes from one place.
#include "operator/cloud/request_parsers.h"

#include <nlohmann/json.hpp>

#include <array>

#include "common/base64.h"
#include "common/config/net_address.h"
#include "common/json_depth.h"

namespace nefia::cloud {
namespace {

using Json = nlohmann::json;

bool charactersAre(std::string_view text, std::string_view extra) {
  for (const char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

Result<Json> parseObject(std::string_view body) {
  if (jsonNestsDeeperThan(body, kMaxJsonDepth)) return makeError("request body nests deeper than 16 levels");
  Json json = Json::parse(body.begin(), body.end(), nullptr, false);
  if (json.is_discarded()) return makeError("request body is not valid JSON");
  if (!json.is_object()) return makeError("request body must be a JSON object");
  return json;
}

Error invalid(const char* name, const std::string& why) {
  return makeError(std::string("field \"") + name + "\" is not valid: " + why);
}

// A string field; absent and optional gives "".
Result<std::string> readString(const Json& json, const char* name, bool required) {
  const auto it = json.find(name);
  if (it == json.end() || (!required && it->is_null())) {
    if (required) return makeError(std::string("field \"") + name + "\" is missing");
    return std::string();
  }
  if (!it->is_string()) return makeError(std::string("field \"") + name + "\" must be a string");
  return it->get<std::string>();
}

Status checkNonce(const char* name, const std::string& value) {
  if (!isValidNonce(value)) return invalid(name, "must be 16 to 64 characters of A-Z a-z 0-9 _ -");
  return Status::success();
}

Status checkHostId(const char* name, const std::string& value) {
  if (!isValidHostId(value)) return invalid(name, "must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
  return Status::success();
}

Status checkPublicKey(const std::string& value) {
  if (!isBase64Key32(value)) return invalid("public_key", "must be the base64 of a 32-byte WireGuard key");
  return Status::success();
}

Status checkEndpoint(const char* name, const std::string& value, bool allowEmpty) {
  if (value.empty() && allowEmpty) return Status::success();
  if (value.size() > 128) return invalid(name, "longer than 128 bytes");
  auto parsed = parseHostPort(value);
  if (!parsed.ok()) return invalid(name, parsed.error());
  return Status::success();
}

Status checkNatType(const std::string& value) {
  static constexpr std::array<std::string_view, 6> kNatTypes = {
      "none", "full_cone", "restricted_cone", "port_restricted_cone", "symmetric", "unknown"};
  for (const auto type : kNatTypes) {
    if (value == type) return Status::success();
  }
  return invalid("nat_type",
                 "must be one of none, full_cone, restricted_cone, port_restricted_cone, symmetric, unknown");
}

// Collects the first failure of a chain of reads and checks.
class FieldReader {
 public:
  explicit FieldReader(const Json& json) : json_(json) {}
  std::string text(const char* name, bool required) {
    if (!error_.empty()) return {};
    auto value = readString(json_, name, required);
    if (!value.ok()) {
      error_ = value.error();
      return {};
    }
    return value.value();
  }
  void check(const Status& status) {
    if (error_.empty() && !status.ok()) error_ = status.error();
  }
  bool failed() const { return !error_.empty(); }
  Error error() const { return makeError(error_); }

 private:
  const Json& json_;
  std::string error_;
};

}  // namespace

bool isValidNonce(std::string_view text) {
  return text.size() >= 16 && text.size() <= 64 && charactersAre(text, "_-");
}

bool isValidHostId(std::string_view text) { return !text.empty() && text.size() <= 64 && charactersAre(text, "._-"); }

Result<CreateSessionBody> parseCreateSession(std::string_view body) {
  auto json = parseObject(body);
  if (!json.ok()) return makeError(json.error());
  FieldReader reader(json.value());
  CreateSessionBody request;
  request.nonce = reader.text("nonce", true);
  if (!reader.failed()) reader.check(checkNonce("nonce", request.nonce));
  request.expectedHostId = reader.text("expected_host_id", false);
  if (!reader.failed() && !request.expectedHostId.empty()) {
    reader.check(checkHostId("expected_host_id", request.expectedHostId));
  }
  if (reader.failed()) return reader.error();
  const auto ttl = json.value().find("ttl_seconds");
  if (ttl != json.value().end() && !ttl->is_null()) {
    if (!ttl->is_number_integer() || ttl->get<int64_t>() < 60 || ttl->get<int64_t>() > 604800) {
      return invalid("ttl_seconds", "must be an integer from 60 to 604800");
    }
    request.ttlSeconds = ttl->get<int64_t>();
  }
  return request;
}

Result<AgentSubmission> parseAgentSubmission(std::string_view body) {
  auto json = parseObject(body);
  if (!json.ok()) return makeError(json.error());
  FieldReader reader(json.value());
  AgentSubmission agent;
  agent.hostId = reader.text("host_id", false);
  if (!reader.failed() && !agent.hostId.empty()) reader.check(checkHostId("host_id", agent.hostId));
  agent.publicKey = reader.text("public_key", true);
  if (!reader.failed()) reader.check(checkPublicKey(agent.publicKey));
  agent.endpoint = reader.text("endpoint", true);
  if (!reader.failed()) reader.check(checkEndpoint("endpoint", agent.endpoint, false));
  agent.localEndpoint = reader.text("local_endpoint", false);
  if (!reader.failed()) reader.check(checkEndpoint("local_endpoint", agent.localEndpoint, true));
  agent.natType = reader.text("nat_type", true);
  if (!reader.failed()) reader.check(checkNatType(agent.natType));
  agent.inviteToken = reader.text("invite_token", true);
  if (!reader.failed() && (agent.inviteToken.empty() || agent.inviteToken.size() > kMaxInviteTokenBytes)) {
    reader.check(invalid("invite_token", "must be 1 to 8192 bytes"));
  }
  if (reader.failed()) return reader.error();
  return agent;
}

Result<ExchangeBody> parseExchange(std::string_view body) {
  auto json = parseObject(body);
  if (!json.ok()) return makeError(json.error());
  FieldReader reader(json.value());
  ExchangeBody request;
  request.bootstrapCode = reader.text("bootstrap_code", true);
  request.nonce = reader.text("nonce", true);
  if (!reader.failed()) reader.check(checkNonce("nonce", request.nonce));
  if (reader.failed()) return reader.error();
  return request;
}

Result<RegisterBody> parseRegister(std::string_view body) {
  auto json = parseObject(body);
  if (!json.ok()) return makeError(json.error());
  FieldReader reader(json.value());
  RegisterBody request;
  request.hostId = reader.text("host_id", true);
  if (!reader.failed()) reader.check(checkHostId("host_id", request.hostId));
  request.publicKey = reader.text("public_key", true);
  if (!reader.failed()) reader.check(checkPublicKey(request.publicKey));
  request.tokenSha256 = reader.text("token_sha256", true);
  if (!reader.failed() && (request.tokenSha256.size() != 64 || !charactersAre(request.tokenSha256, "") ||
                           request.tokenSha256.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz") !=
                               std::string::npos)) {
    reader.check(invalid("token_sha256", "must be 64 lowercase hex characters"));
  }
  if (reader.failed()) return reader.error();
  return request;
}

Result<AnswerBody> parseAnswer(std::string_view body) {
  auto json = parseObject(body);
  if (!json.ok()) return makeError(json.error());
  const auto it = json.value().find("answer");
  if (it == json.value().end()) return makeError("field \"answer\" is missing");
  if (!it->is_object()) return makeError("field \"answer\" must be an object");
  AnswerBody request{it->dump()};
  if (request.answer.size() > kMaxAnswerBytes) return invalid("answer", "larger than 32 KiB");
  return request;
}

Result<RotateBody> parseRotate(std::string_view body) {
  auto json = parseObject(body);
  if (!json.ok()) return makeError(json.error());
  FieldReader reader(json.value());
  RotateBody request;
  request.requestId = reader.text("request_id", true);
  if (!reader.failed() && (request.requestId.size() < 16 || request.requestId.size() > 128 ||
                           !charactersAre(request.requestId, "_-"))) {
    reader.check(invalid("request_id", "must be 16 to 128 characters of A-Z a-z 0-9 _ -"));
  }
  if (reader.failed()) return reader.error();
  return request;
}

Result<EndpointBody> parseEndpointReport(std::string_view body) {
  auto json = parseObject(body);
  if (!json.ok()) return makeError(json.error());
  FieldReader reader(json.value());
  EndpointBody request;
  request.endpoint = reader.text("endpoint", true);
  if (!reader.failed()) reader.check(checkEndpoint("endpoint", request.endpoint, false));
  request.localEndpoint = reader.text("local_endpoint", false);
  if (!reader.failed()) reader.check(checkEndpoint("local_endpoint", request.localEndpoint, true));
  request.natType = reader.text("nat_type", true);
  if (!reader.failed()) reader.check(checkNatType(request.natType));
  if (reader.failed()) return reader.error();
  return request;
}

}  // namespace nefia::cloud
