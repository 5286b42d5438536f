// Syntax-only parsing of IP addresses, CIDR prefixes and host:port endpoints, shared by the config,
// the supervisor and the tunnel. Never resolves names and never touches the network.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nefia {

enum class IpFamily { kIpv4, kIpv6 };

struct IpAddress {
  IpFamily family = IpFamily::kIpv4;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes; the rest stay zero

  std::size_t size() const { return family == IpFamily::kIpv4 ? 4 : 16; }
  std::string toString() const;  // canonical text (inet_ntop), IPv6 without brackets
  bool operator==(const IpAddress&) const = default;
};

struct Cidr {
  IpAddress address;  // host bits are kept: "10.99.0.2/24" is an interface address, not a network
  int prefixLength = 0;

  std::string toString() const;
  bool operator==(const Cidr&) const = default;
};

struct HostPort {
  std::string host;  // IP literal (IPv6 without brackets) or a DNS name
  uint16_t port = 0;
  bool isIpLiteral = false;

  std::string toString() const;  // brackets IPv6 literals again: "[::1]:51820"
  bool operator==(const HostPort&) const = default;
};

// Dotted-quad IPv4 (no leading zeros) or RFC 4291 IPv6 text; no zone ids, no brackets.
Result<IpAddress> parseIpAddress(std::string_view text);

// "10.99.0.2/24", "fd00::2/64"; the prefix is decimal within the family's bit length.
Result<Cidr> parseCidr(std::string_view text);

// "192.0.2.1:51820", "[2001:db8::1]:51820" or "relay.example.com:3478"; port 1-65535.
// Host names must be RFC 1123 names whose last label is not all digits (so "1.2.3:80" is refused).
Result<HostPort> parseHostPort(std::string_view text);

}  // namespace nefia
