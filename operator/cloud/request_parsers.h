// Parsers of every nefia-cloud request body and path parameter (API.md's field syntax). Untrusted bytes in, a
// typed request or the exact 400 text out; never throws, never keeps more than the body's own size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "operator/cloud/cloud_store.h"

namespace nefia::cloud {

constexpr std::size_t kMaxJsonDepth = 16;
constexpr std::size_t kMaxAnswerBytes = 32 * 1024;
constexpr std::size_t kMaxInviteTokenBytes = 8 * 1024;
constexpr int64_t kDefaultSessionTtlSeconds = 3600;

struct CreateSessionBody {
  std::string nonce;
  std::string expectedHostId;
  int64_t ttlSeconds = kDefaultSessionTtlSeconds;
};
struct ExchangeBody {
  std::string bootstrapCode;
  std::string nonce;
};
struct RegisterBody {
  std::string hostId;
  std::string publicKey;
  std::string tokenSha256;
};
struct AnswerBody {
  std::string answer;  // the object, serialised
};
struct RotateBody {
  std::string requestId;
};
struct EndpointBody {
  std::string endpoint;
  std::string localEndpoint;
  std::string natType;
};

Result<CreateSessionBody> parseCreateSession(std::string_view body);
Result<AgentSubmission> parseAgentSubmission(std::string_view body);
Result<ExchangeBody> parseExchange(std::string_view body);
Result<RegisterBody> parseRegister(std::string_view body);
Result<AnswerBody> parseAnswer(std::string_view body);
Result<RotateBody> parseRotate(std::string_view body);
Result<EndpointBody> parseEndpointReport(std::string_view body);

bool isValidNonce(std::string_view text);
bool isValidHostId(std::string_view text);

}  // namespace nefia::cloud
