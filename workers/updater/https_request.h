// One HTTPS request of the agent's only HTTPS client, its trust anchor and its outcome (https_client.h runs it).
// A bearer secret lives in the request only until the transfer starts; it is never logged or kept afterwards.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace nefia::updater {

// The reference's MaxEnrollResponseBytes: the default cap on every answer's body.
inline constexpr std::size_t kDefaultMaxResponseBytes = 1024 * 1024;
// A request without its own deadline gets this total one (connect, TLS, request and whole answer).
inline constexpr std::chrono::milliseconds kDefaultRequestDeadline{30'000};

// What the client trusts. Exactly one of the two is set; verification itself can never be turned off.
struct HttpsTrust {
  std::string caFile;        // PEM file of the CAs that may sign the server's certificate
  std::string publicKeyPin;  // "sha256//<base64 SHA-256 of the server's SubjectPublicKeyInfo>"
};

struct HttpsRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH or DELETE
  std::string url;             // https:// only
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string bearerSecret;  // sent as "Authorization: Bearer ..."; wiped once the transfer holds it
  std::chrono::milliseconds deadline = kDefaultRequestDeadline;
  std::size_t maxResponseBytes = kDefaultMaxResponseBytes;
};

// ok: the server answered (any status code). Otherwise error says what failed; status is 0 unless the
// failure came after the status line (a body that ends early or grows past the cap).
struct HttpsResponse {
  bool ok = false;
  long status = 0;
  std::string body;
  std::string error;
};

}  // namespace nefia::updater
