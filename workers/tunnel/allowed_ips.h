// Allowed-IP routing: which peer an outbound packet goes to (longest prefix match on its destination) and
// whether an inbound packet's source belongs to the peer it came from. Never allocates on lookup.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nefia::wg {

class Peer;

struct IpPrefix {
  std::array<uint8_t, 16> address{};
  uint8_t family = 4;  // 4 or 6
  uint8_t length = 0;  // prefix bits

  // "10.99.0.1", "10.99.0.0/24", "2001:db8::1/128"; a bare address is a host route.
  static std::optional<IpPrefix> parse(std::string_view text);
  std::string toString() const;
  bool contains(const uint8_t* candidate, uint8_t candidateFamily) const;
  bool operator==(const IpPrefix& other) const = default;
};

// The source or destination address of an IP packet (from its header), or nullopt when it is not IPv4/IPv6 or
// shorter than its header.
struct PacketAddress {
  std::array<uint8_t, 16> bytes{};
  uint8_t family = 4;
};
std::optional<PacketAddress> packetSource(std::span<const uint8_t> packet);
std::optional<PacketAddress> packetDestination(std::span<const uint8_t> packet);

class AllowedIps {
 public:
  void insert(const IpPrefix& prefix, Peer* peer);  // a prefix already owned by another peer moves to this one
  void removePeer(const Peer* peer);
  Peer* lookup(const PacketAddress& address) const;

 private:
  struct Route {
    IpPrefix prefix;
    Peer* peer;
  };
  std::vector<Route> routes_;  // sorted by prefix length, longest first
};

}  // namespace nefia::wg
