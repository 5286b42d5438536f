// Longest-prefix match over a short sorted list: the agent has a handful of operator peers, so a trie would
// buy nothing. Header parsing here must never read past the packet.
#include "workers/tunnel/allowed_ips.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace nefia::wg {

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  IpPrefix prefix;
  std::string_view addressText = text;
  std::optional<unsigned> length;
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    addressText = text.substr(0, slash);
    const std::string_view lengthText = text.substr(slash + 1);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(lengthText.data(), lengthText.data() + lengthText.size(), value);
    if (lengthText.empty() || error != std::errc() || end != lengthText.data() + lengthText.size()) {
      return std::nullopt;
    }
    length = value;
  }
  const std::string address(addressText);
  if (inet_pton(AF_INET, address.c_str(), prefix.address.data()) == 1) {
    prefix.family = 4;
    if (length.value_or(32) > 32) return std::nullopt;
    prefix.length = static_cast<uint8_t>(length.value_or(32));
  } else if (inet_pton(AF_INET6, address.c_str(), prefix.address.data()) == 1) {
    prefix.family = 6;
    if (length.value_or(128) > 128) return std::nullopt;
    prefix.length = static_cast<uint8_t>(length.value_or(128));
  } else {
    return std::nullopt;
  }
  // Clear host bits so equal networks compare equal.
  for (std::size_t bit = prefix.length; bit < 128; ++bit) {
    prefix.address[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return prefix;
}

std::string IpPrefix::toString() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, address.data(), text, sizeof(text));
  return std::string(text) + "/" + std::to_string(length);
}

bool IpPrefix::contains(const uint8_t* candidate, uint8_t candidateFamily) const {
  if (candidateFamily != family) return false;
  const std::size_t fullBytes = length / 8;
  if (std::memcmp(address.data(), candidate, fullBytes) != 0) return false;
  const unsigned remainingBits = length % 8;
  if (remainingBits == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff00u >> remainingBits);
  return (address[fullBytes] & mask) == (candidate[fullBytes] & mask);
}

namespace {

std::optional<PacketAddress> packetAddress(std::span<const uint8_t> packet, bool source) {
  if (packet.empty()) return std::nullopt;
  PacketAddress address;
  const unsigned version = packet[0] >> 4;
  if (version == 4 && packet.size() >= 20) {
    address.family = 4;
    std::memcpy(address.bytes.data(), packet.data() + (source ? 12 : 16), 4);
    return address;
  }
  if (version == 6 && packet.size() >= 40) {
    address.family = 6;
    std::memcpy(address.bytes.data(), packet.data() + (source ? 8 : 24), 16);
    return address;
  }
  return std::nullopt;
}

}  // namespace

std::optional<PacketAddress> packetSource(std::span<const uint8_t> packet) { return packetAddress(packet, true); }
std::optional<PacketAddress> packetDestination(std::span<const uint8_t> packet) { return packetAddress(packet, false); }

void AllowedIps::insert(const IpPrefix& prefix, Peer* peer) {
  std::erase_if(routes_, [&](const Route& route) { return route.prefix == prefix; });
  const auto position = std::find_if(routes_.begin(), routes_.end(),
                                     [&](const Route& route) { return route.prefix.length < prefix.length; });
  routes_.insert(position, Route{prefix, peer});
}

void AllowedIps::removePeer(const Peer* peer) {
  std::erase_if(routes_, [&](const Route& route) { return route.peer == peer; });
}

Peer* AllowedIps::lookup(const PacketAddress& address) const {
  for (const Route& route : routes_) {
    if (route.prefix.contains(address.bytes.data(), address.family)) return route.peer;
  }
  return nullptr;
}

}  // namespace nefia::wg
