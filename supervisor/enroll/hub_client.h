// The agent's side of direct enrollment: TCP to the operator's hub with a 10 s connect timeout, TLS 1.3 whose
// certificate must match the token's SHA-256 pin, one request, one answer of at most 1 MB. Blocking, one call per
// enrollment. Never sends anything before the pin matched; never logs the token.
#pragma once

#include <chrono>
#include <string>

#include "common/invite/enroll_protocol.h"
#include "common/result.h"

namespace nefia::enroll {

constexpr std::chrono::seconds kConnectTimeout{10};  // the reference's direct-connection timeout
constexpr std::chrono::seconds kExchangeTimeout{20};

// A connected TCP socket to "host:port" (names resolved), or an error saying why not.
Result<int> connectToHub(const std::string& address, std::chrono::milliseconds timeout);

// TLS handshake on fd (which this call closes), pin check, request, answer. Errors name the address.
Result<invite::EnrollResponse> exchangeWithHub(int fd, const std::string& address, const std::string& pinnedSha256,
                                               const invite::EnrollRequest& request,
                                               std::chrono::milliseconds timeout = kExchangeTimeout);

}  // namespace nefia::enroll
