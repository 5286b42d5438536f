// Parsers of nefia-cloud's answers to the agent (operator/cloud/API.md): untrusted bytes from the network in,
// a typed answer or an error text out. Never throws; an error text never quotes a token.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace nefia::updater {

// `POST /api/agent-tokens/rotate` (200) and `POST /api/agent-tokens/bootstrap/exchange` (200, with host_id).
struct AgentTokenAnswer {
  std::string agentToken;  // 43 base64url characters; a secret
  std::string expiresAt;   // RFC 3339 UTC, "2027-03-04T18:20:00Z"
  std::string hostId;      // empty for rotate
};

// `POST /api/hosts/[hostId]/endpoint` (200).
struct EndpointReportAnswer {
  std::string hostId;
  std::string reportedAt;
};

Result<AgentTokenAnswer> parseAgentTokenAnswer(std::string_view body);
Result<EndpointReportAnswer> parseEndpointReportAnswer(std::string_view body);

// What to tell the user about a non-2xx answer: "nefia-cloud answered 401: <its error text>", the text made
// safe to print (control characters escaped, keys redacted, at most 300 characters).
std::string describeCloudError(long status, std::string_view body);

}  // namespace nefia::updater
