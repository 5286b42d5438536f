// The agent's side of direct enrollment: TCP to the operator's hub within a 10 s connect deadline, then TLS 1.3
// whose certificate must match the token's SHA-256 pin, one request and one answer of at most 1 MB, all within one
// 20 s exchange deadline. Never sends anything before the pin matched; never logs the token.
#pragma once

#include <chrono>
#include <string>

#include "common/invite/enroll_protocol.h"
#include "common/result.h"

namespace nefia::enroll {

constexpr std::chrono::seconds kConnectTimeout{10};  // the reference's direct-connection timeout
constexpr std::chrono::seconds kExchangeTimeout{20};  // TLS handshake + request + answer, in total

// A connected TCP socket to "host:port" (names resolved), or an error saying why not.
Result<int> connectToHub(const std::string& address, std::chrono::milliseconds timeout);

struct HubExchange {
  Result<invite::EnrollResponse> answer;
  // False when no retry with this token can get through (the hub's certificate does not match the token's pin);
  // true for busy hubs, deadlines and broken connections (the hub may even have enrolled the key already).
  bool retryCanSucceed = true;
};

// TLS handshake on fd (which this call closes), pin check, request, answer, all before now + timeout. Errors name
// the address and, when time ran out, the deadline and the step it ran out in.
HubExchange exchangeWithHub(int fd, const std::string& address, const std::string& pinnedSha256,
                            const invite::EnrollRequest& request, std::chrono::milliseconds timeout = kExchangeTimeout);

}  // namespace nefia::enroll
