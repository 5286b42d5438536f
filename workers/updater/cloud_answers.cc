// Parsers of nefia-cloud's answers to the agent (see cloud_answers.h): bounded JSON (nesting checked before
// nlohmann sees the bytes, exceptions off), then one reader per field so each error names its field.
#include "workers/updater/cloud_answers.h"

#include <nlohmann/json.hpp>

#include "common/json_depth.h"
#include "common/secret_text.h"
#include "common/terminal_text.h"

namespace nefia::updater {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxJsonDepth = 8;
constexpr std::size_t kMaxErrorTextCharacters = 300;

Result<Json> parseObject(std::string_view body) {
  if (jsonNestsDeeperThan(body, kMaxJsonDepth)) return makeError("nefia-cloud's answer nests deeper than 8 levels");
  Json json = Json::parse(body.begin(), body.end(), nullptr, false);
  if (json.is_discarded()) return makeError("nefia-cloud's answer is not valid JSON");
  if (!json.is_object()) return makeError("nefia-cloud's answer is not a JSON object");
  return json;
}

Result<std::string> readString(const Json& json, const char* name) {
  const auto it = json.find(name);
  if (it == json.end()) return makeError(std::string("nefia-cloud's answer has no field \"") + name + "\"");
  if (!it->is_string()) return makeError(std::string("nefia-cloud's answer: field \"") + name + "\" is not a string");
  return it->get<std::string>();
}

bool allOf(std::string_view text, bool (*accepted)(char)) {
  for (char c : text) {
    if (!accepted(c)) return false;
  }
  return true;
}

bool isBase64UrlCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}
bool isHostIdCharacter(char c) { return isBase64UrlCharacter(c) || c == '.'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// "YYYY-MM-DDTHH:MM:SSZ", the one form nefia-cloud writes.
bool isUtcTimestamp(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !isDigit(text[i]) : text[i] != kShape[i]) return false;
  }
  return true;
}

Error invalid(const char* name, const char* why) {
  return makeError(std::string("nefia-cloud's answer: field \"") + name + "\" is not valid: " + why);
}

Result<std::string> readTimestamp(const Json& json, const char* name) {
  auto text = readString(json, name);
  if (!text) return text;
  if (!isUtcTimestamp(*text)) return invalid(name, "must be an RFC 3339 UTC time like 2027-03-04T18:20:00Z");
  return text;
}

Result<std::string> readHostId(const Json& json) {
  auto hostId = readString(json, "host_id");
  if (!hostId) return hostId;
  if (hostId->empty() || hostId->size() > 64 || !allOf(*hostId, isHostIdCharacter)) {
    return invalid("host_id", "must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
  }
  return hostId;
}

}  // namespace

Result<AgentTokenAnswer> parseAgentTokenAnswer(std::string_view body) {
  auto json = parseObject(body);
  if (!json) return makeError(json.error());
  AgentTokenAnswer answer;
  auto token = readString(*json, "agent_token");
  if (!token) return makeError(token.error());
  if (token->size() != 43 || !allOf(*token, isBase64UrlCharacter)) {
    return invalid("agent_token", "must be 43 base64url characters (not shown)");
  }
  auto expiresAt = readTimestamp(*json, "expires_at");
  if (!expiresAt) return makeError(expiresAt.error());
  if (json->contains("host_id")) {
    auto hostId = readHostId(*json);
    if (!hostId) return makeError(hostId.error());
    answer.hostId = std::move(hostId).value();
  }
  answer.agentToken = std::move(token).value();
  answer.expiresAt = std::move(expiresAt).value();
  return answer;
}

Result<EndpointReportAnswer> parseEndpointReportAnswer(std::string_view body) {
  auto json = parseObject(body);
  if (!json) return makeError(json.error());
  auto hostId = readHostId(*json);
  if (!hostId) return makeError(hostId.error());
  auto reportedAt = readTimestamp(*json, "reported_at");
  if (!reportedAt) return makeError(reportedAt.error());
  return EndpointReportAnswer{std::move(hostId).value(), std::move(reportedAt).value()};
}

std::string describeCloudError(long status, std::string_view body) {
  const std::string prefix = "nefia-cloud answered " + std::to_string(status);
  auto json = parseObject(body);
  if (!json) return prefix + " without an error text";
  auto text = readString(*json, "error");
  if (!text || text->empty()) return prefix + " without an error text";
  std::string safe = escapeControlCharacters(redactKeys(replaceInvalidUtf8(*text)));
  if (safe.size() > kMaxErrorTextCharacters) {
    std::size_t cut = kMaxErrorTextCharacters;
    while (cut > 0 && (static_cast<unsigned char>(safe[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    safe = safe.substr(0, cut) + "...";
  }
  return prefix + ": " + safe;
}

}  // namespace nefia::updater
