// The direct enrollment exchange between `nefia-agent enroll` and `nefia vpn hub`, inside TLS 1.3:
// one request frame, one response frame; frame = u32 big-endian length + JSON. Shared by both sides.
// Parsing never throws and never accepts a frame above its side's limit.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nefia::invite {

constexpr std::size_t kMaxEnrollRequestBytes = 64 * 1024;
constexpr std::size_t kMaxEnrollResponseBytes = 1024 * 1024;  // the reference's MaxEnrollResponseBytes
constexpr std::size_t kFrameHeaderBytes = 4;
constexpr std::size_t kMaxSshHostKeys = 8;

struct HostFacts {
  std::string hostname;
  std::string os;    // uname sysname, lowercase
  std::string arch;  // uname machine
  std::string agentVersion;
  bool operator==(const HostFacts&) const = default;
};

struct EnrollRequest {
  std::string token;
  std::string publicKey;  // the agent's new WireGuard public key (base64); the private key never leaves the host
  uint16_t listenPort = 0;
  std::vector<std::string> sshHostKeys;  // "ssh-ed25519 AAAA..." lines
  std::string localEndpoint;             // LAN "ip:port" for hairpin NAT, or empty
  HostFacts facts;
  bool operator==(const EnrollRequest&) const = default;
};

struct EnrollResponse {
  std::string error;  // empty on success, else a text of the reference's error table
  std::string hostName;
  std::string address;  // the agent's VPN address with prefix, e.g. 10.99.0.5/24
  std::string operatorPublicKey;
  std::string operatorEndpoint;  // the operator's WireGuard UDP "host:port"
  std::string operatorVpnAddr;
  std::string hostId;
  bool operator==(const EnrollResponse&) const = default;
};

std::string serializeRequest(const EnrollRequest& request);
Result<EnrollRequest> parseRequest(std::string_view body);
std::string serializeResponse(const EnrollResponse& response);
Result<EnrollResponse> parseResponse(std::string_view body);

// Length header for a body, and the body length a header announces (error above maxBytes or zero).
std::array<uint8_t, kFrameHeaderBytes> frameHeader(std::size_t bodyBytes);
Result<std::size_t> frameLength(const std::array<uint8_t, kFrameHeaderBytes>& header, std::size_t maxBytes);

}  // namespace nefia::invite
