// Address syntax through inet_pton/inet_ntop so every component agrees with what the socket layer
// accepts. Must never call getaddrinfo: name resolution is the supervisor's job, at its own time.
#include "common/config/net_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/secret_text.h"

namespace nefia {
namespace {

// Every echoed value goes through quoteUnlessSecret: a key typed into an address field must not leak.
std::string quoted(std::string_view text) { return quoteUnlessSecret(text); }

// Decimal digits only (no sign, no spaces, no leading zeros unless the value is 0), at most maxValue.
bool parseDecimal(std::string_view text, int maxValue, int& out) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > maxValue) return false;
  out = value;
  return true;
}

bool isHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t labelStart = 0;
  bool lastLabelAllDigits = true;
  while (labelStart <= name.size()) {
    std::size_t labelEnd = name.find('.', labelStart);
    if (labelEnd == std::string_view::npos) labelEnd = name.size();
    const std::string_view label = name.substr(labelStart, labelEnd - labelStart);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    lastLabelAllDigits = true;
    for (char c : label) {
      const bool digit = c >= '0' && c <= '9';
      const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!digit && !letter && c != '-') return false;
      lastLabelAllDigits = lastLabelAllDigits && digit;
    }
    labelStart = labelEnd + 1;
  }
  return !lastLabelAllDigits;
}

}  // namespace

std::string IpAddress::toString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family == IpFamily::kIpv4 ? AF_INET : AF_INET6, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

std::string Cidr::toString() const { return address.toString() + "/" + std::to_string(prefixLength); }

std::string HostPort::toString() const {
  const bool bracket = host.find(':') != std::string::npos;
  return (bracket ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<IpAddress> parseIpAddress(std::string_view text) {
  // inet_pton needs a NUL-terminated string; an embedded NUL must not shorten the input.
  if (text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) {
    return makeError(quoted(text) + " is not an IP address");
  }
  const std::string terminated(text);
  IpAddress address;
  if (::inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = IpFamily::kIpv4;
    return address;
  }
  if (::inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = IpFamily::kIpv6;
    return address;
  }
  return makeError(quoted(text) + " is not an IP address");
}

Result<Cidr> parseCidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return makeError(quoted(text) + " is not CIDR notation: the /prefix is missing (e.g. 10.99.0.2/24)");
  }
  auto address = parseIpAddress(text.substr(0, slash));
  if (!address.ok()) {
    // Never quote a part of a value that is hidden as a whole (a key with a '/' in it).
    const std::string part = mayHoldSecret(text) ? "the part before the /" : quoted(text.substr(0, slash));
    return makeError(quoted(text) + " is not CIDR notation: " + part + " is not an IP address (e.g. 10.99.0.2/24)");
  }
  const int maxPrefix = address->family == IpFamily::kIpv4 ? 32 : 128;
  Cidr cidr;
  if (!parseDecimal(text.substr(slash + 1), maxPrefix, cidr.prefixLength)) {
    return makeError(quoted(text) + " is not CIDR notation: the prefix length must be 0-" +
                     std::to_string(maxPrefix));
  }
  cidr.address = address.value();
  return cidr;
}

Result<HostPort> parseHostPort(std::string_view text) {
  const std::string example = " (e.g. 192.0.2.1:51820, [2001:db8::1]:51820 or relay.example.com:51820)";
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return makeError(quoted(text) + " is not host:port" + example);
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    auto address = parseIpAddress(host);
    if (!address.ok() || address->family != IpFamily::kIpv6) {
      return makeError(quoted(text) + " is not host:port: only IPv6 addresses go in brackets" + example);
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return makeError(quoted(text) + " is not host:port: the port is missing" + example);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return makeError(quoted(text) + " is not host:port: write IPv6 addresses in brackets, e.g. [2001:db8::1]:51820");
    }
  }
  HostPort result;
  int portNumber = 0;
  if (!parseDecimal(port, 65535, portNumber) || portNumber == 0) {
    return makeError(quoted(text) + " is not host:port: the port must be a number 1-65535");
  }
  result.port = static_cast<uint16_t>(portNumber);
  result.host = std::string(host);
  if (parseIpAddress(host).ok()) {
    result.isIpLiteral = true;
  } else if (!isHostName(host)) {
    const std::string part = mayHoldSecret(text) ? "the host" : quoted(host);
    return makeError(quoted(text) + " is not host:port: " + part + " is neither an IP address nor a host name" + example);
  }
  return result;
}

}  // namespace nefia
