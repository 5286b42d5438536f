// JSON bodies of the enrollment exchange. Every field is type-checked; unknown fields are ignored so that newer
// peers can add some. No exceptions: nlohmann is used without them and every access is checked first.
#include "common/invite/enroll_protocol.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace nefia::invite {
namespace {

using Json = nlohmann::json;

Result<Json> parseObject(std::string_view body, const char* what) {
  Json json = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return makeError(std::string(what) + " is not a JSON object");
  return json;
}

// Reads an optional string field; false when it is present with another type.
bool readText(const Json& json, const char* field, std::string& out) {
  const auto it = json.find(field);
  if (it == json.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

}  // namespace

std::string serializeRequest(const EnrollRequest& request) {
  const Json json = {{"token", request.token},
                     {"public_key", request.publicKey},
                     {"listen_port", request.listenPort},
                     {"ssh_host_keys", request.sshHostKeys},
                     {"local_endpoint", request.localEndpoint},
                     {"facts",
                      {{"hostname", request.facts.hostname},
                       {"os", request.facts.os},
                       {"arch", request.facts.arch},
                       {"agent_version", request.facts.agentVersion}}}};
  return json.dump();
}

Result<EnrollRequest> parseRequest(std::string_view body) {
  Result<Json> parsed = parseObject(body, "enrollment request");
  if (!parsed.ok()) return makeError(parsed.error());
  const Json& json = parsed.value();
  EnrollRequest request;
  if (!readText(json, "token", request.token) || !readText(json, "public_key", request.publicKey) ||
      !readText(json, "local_endpoint", request.localEndpoint)) {
    return makeError("enrollment request: a text field has another type");
  }
  if (!isBase64Key32(request.publicKey)) return makeError("enrollment request: public_key is not a WireGuard key");
  const auto port = json.find("listen_port");
  if (port == json.end() || !port->is_number_unsigned() || port->get<uint64_t>() > 65535) {
    return makeError("enrollment request: listen_port must be 0-65535");
  }
  request.listenPort = static_cast<uint16_t>(port->get<uint64_t>());
  const auto keys = json.find("ssh_host_keys");
  if (keys != json.end()) {
    if (!keys->is_array() || keys->size() > kMaxSshHostKeys) {
      return makeError("enrollment request: ssh_host_keys must be a list of at most 8 keys");
    }
    for (const Json& key : *keys) {
      if (!key.is_string()) return makeError("enrollment request: ssh_host_keys holds a non-text entry");
      request.sshHostKeys.push_back(key.get<std::string>());
    }
  }
  const auto facts = json.find("facts");
  if (facts != json.end()) {
    if (!facts->is_object() || !readText(*facts, "hostname", request.facts.hostname) ||
        !readText(*facts, "os", request.facts.os) || !readText(*facts, "arch", request.facts.arch) ||
        !readText(*facts, "agent_version", request.facts.agentVersion)) {
      return makeError("enrollment request: facts must be an object of texts");
    }
  }
  return request;
}

std::string serializeResponse(const EnrollResponse& response) {
  if (!response.error.empty()) return Json{{"error", response.error}}.dump();
  const Json json = {{"name", response.hostName},
                     {"address", response.address},
                     {"operator_public_key", response.operatorPublicKey},
                     {"operator_endpoint", response.operatorEndpoint},
                     {"operator_vpn_addr", response.operatorVpnAddr},
                     {"host_id", response.hostId}};
  return json.dump();
}

Result<EnrollResponse> parseResponse(std::string_view body) {
  Result<Json> parsed = parseObject(body, "the operator's answer");
  if (!parsed.ok()) return makeError(parsed.error());
  const Json& json = parsed.value();
  EnrollResponse response;
  if (!readText(json, "error", response.error) || !readText(json, "name", response.hostName) ||
      !readText(json, "address", response.address) ||
      !readText(json, "operator_public_key", response.operatorPublicKey) ||
      !readText(json, "operator_endpoint", response.operatorEndpoint) ||
      !readText(json, "operator_vpn_addr", response.operatorVpnAddr) || !readText(json, "host_id", response.hostId)) {
    return makeError("the operator's answer has a field of the wrong type");
  }
  if (!response.error.empty()) return response;
  if (response.address.empty() || !isBase64Key32(response.operatorPublicKey) || response.operatorEndpoint.empty() ||
      response.operatorVpnAddr.empty()) {
    return makeError("the operator's answer lacks address, operator_public_key, operator_endpoint or operator_vpn_addr");
  }
  return response;
}

std::array<uint8_t, kFrameHeaderBytes> frameHeader(std::size_t bodyBytes) {
  return {static_cast<uint8_t>(bodyBytes >> 24), static_cast<uint8_t>(bodyBytes >> 16),
          static_cast<uint8_t>(bodyBytes >> 8), static_cast<uint8_t>(bodyBytes)};
}

Result<std::size_t> frameLength(const std::array<uint8_t, kFrameHeaderBytes>& header, std::size_t maxBytes) {
  const std::size_t length = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                             (std::size_t{header[2]} << 8) | std::size_t{header[3]};
  if (length == 0) return makeError("empty message");
  if (length > maxBytes) {
    return makeError("message of " + std::to_string(length) + " bytes exceeds the limit of " + std::to_string(maxBytes) +
                     " bytes");
  }
  return length;
}

}  // namespace nefia::invite
