// Proof that the enrolled tunnel works: a real WireGuard handshake with the operator, run with the tunnel library
// (workers/tunnel) on the configured listen port, before `nefia-agent run` exists. Bounded by a deadline; closes
// its socket before returning so that `nefia-agent run` can bind the port.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/secure_buffer.h"

namespace nefia::enroll {

struct TunnelProbe {
  Key32 privateKey;
  uint16_t listenPort = 0;
  std::string agentVpnAddr;       // e.g. 10.99.0.5
  std::string operatorPublicKey;  // base64
  std::string operatorEndpoint;   // "host:port"
  std::string operatorVpnAddr;    // e.g. 10.99.0.1
  std::chrono::milliseconds deadline{15000};
};

// Success when the handshake completed (the operator answered our initiation with a valid response). The error
// says what to check: UDP reachability of the endpoint, the port, or a bad address.
Status proveTunnel(const TunnelProbe& probe);

}  // namespace nefia::enroll
