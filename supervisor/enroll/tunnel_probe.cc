// Drives one wg::Device over a plain UDP socket with poll(): an ICMP echo towards the operator's VPN address
// starts the handshake; the device's own timers retry it. No packet leaves except WireGuard datagrams to the
// operator's endpoint.
#include "supervisor/enroll/tunnel_probe.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/base64.h"
#include "common/config/net_address.h"
#include "workers/tunnel/device.h"

namespace nefia::enroll {
namespace {

class UdpSender final : public wg::DatagramSender {
 public:
  explicit UdpSender(int fd) : fd_(fd) {}
  void sendDatagram(const wg::UdpEndpoint& to, std::span<const uint8_t> datagram) override {
    ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&to.address), to.length);
  }

 private:
  int fd_;
};

class CountingReceiver final : public wg::PacketReceiver {
 public:
  void deliverPacket(std::span<const uint8_t>) override { ++delivered_; }
  int delivered() const { return delivered_; }

 private:
  int delivered_ = 0;
};

uint16_t checksum(const uint8_t* data, std::size_t size) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += (uint32_t{data[i]} << 8) | data[i + 1];
  if (size % 2 != 0) sum += uint32_t{data[size - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// A 28-byte IPv4 ICMP echo request: the operator's kernel answers it once the session is up.
std::vector<uint8_t> icmpEcho(const IpAddress& from, const IpAddress& to) {
  std::vector<uint8_t> packet(28, 0);
  packet[0] = 0x45;
  packet[3] = 28;
  packet[8] = 64;  // TTL
  packet[9] = 1;   // ICMP
  std::memcpy(&packet[12], from.bytes.data(), 4);
  std::memcpy(&packet[16], to.bytes.data(), 4);
  const uint16_t headerSum = checksum(packet.data(), 20);
  packet[10] = static_cast<uint8_t>(headerSum >> 8);
  packet[11] = static_cast<uint8_t>(headerSum);
  packet[20] = 8;  // echo request
  packet[25] = 1;  // identifier 1, sequence 0
  const uint16_t icmpSum = checksum(&packet[20], 8);
  packet[22] = static_cast<uint8_t>(icmpSum >> 8);
  packet[23] = static_cast<uint8_t>(icmpSum);
  return packet;
}

Result<wg::UdpEndpoint> resolveEndpoint(const std::string& text) {
  Result<HostPort> hostPort = parseHostPort(text);
  if (!hostPort.ok()) return makeError("operator endpoint " + text + " is not host:port");
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(hostPort->port);
  const int resolved = ::getaddrinfo(hostPort->host.c_str(), port.c_str(), &hints, &found);
  if (resolved != 0 || found == nullptr) {
    return makeError("cannot resolve the operator endpoint " + text + ": " + ::gai_strerror(resolved));
  }
  wg::UdpEndpoint endpoint = wg::UdpEndpoint::fromSockaddr(found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  return endpoint;
}

}  // namespace

Status proveTunnel(const TunnelProbe& probe) {
  Result<wg::UdpEndpoint> endpoint = resolveEndpoint(probe.operatorEndpoint);
  if (!endpoint.ok()) return makeError(endpoint.error());
  Result<IpAddress> agentAddress = parseIpAddress(probe.agentVpnAddr);
  Result<IpAddress> operatorAddress = parseIpAddress(probe.operatorVpnAddr);
  auto operatorKey = base64Decode(probe.operatorPublicKey);
  if (!agentAddress.ok() || !operatorAddress.ok() || agentAddress->family != IpFamily::kIpv4 ||
      operatorAddress->family != IpFamily::kIpv4 || !operatorKey || operatorKey->size() != 32) {
    return makeError("the operator's answer has an unusable VPN address or key");
  }
  const int family = endpoint->address.ss_family;
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(std::string("cannot create a UDP socket: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_storage local{};
  socklen_t localLength = 0;
  if (family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&local);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(probe.listenPort);
    localLength = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&local);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(probe.listenPort);
    localLength = sizeof(sockaddr_in);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), localLength) != 0) {
    return makeError("cannot bind UDP port " + std::to_string(probe.listenPort) + ": " + std::strerror(errno) +
                     "; stop whatever uses it (a running nefia-agent?) and run `nefia-agent run`");
  }

  wg::SystemClock clock;
  UdpSender sender(fd);
  CountingReceiver receiver;
  wg::Device device(probe.privateKey, clock, sender, receiver);
  wg::PeerConfig peer;
  std::copy(operatorKey->begin(), operatorKey->end(), peer.publicKey.data());
  peer.endpoint = endpoint.value();
  peer.allowedIps.push_back(*wg::IpPrefix::parse(probe.operatorVpnAddr));
  if (Status added = device.upsertPeer(peer); !added.ok()) return added;
  device.sendPacket(icmpEcho(agentAddress.value(), operatorAddress.value()));

  const auto deadline = std::chrono::steady_clock::now() + probe.deadline;
  std::array<uint8_t, 2048> buffer{};
  while (std::chrono::steady_clock::now() < deadline) {
    const auto statuses = device.peerStatus();
    if (!statuses.empty() && statuses.front().lastHandshake) return Status::success();
    auto wake = deadline;
    if (auto timer = device.nextTimerDeadline(); timer && *timer < wake) wake = *timer;
    const auto waitMs = std::chrono::duration_cast<std::chrono::milliseconds>(wake - std::chrono::steady_clock::now());
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(std::max<int64_t>(0, waitMs.count())) + 1) > 0) {
      sockaddr_storage from{};
      socklen_t fromLength = sizeof from;
      const ssize_t got = ::recvfrom(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                     &fromLength);
      if (got > 0) {
        device.receiveDatagram(wg::UdpEndpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&from), fromLength),
                               std::span<uint8_t>(buffer.data(), static_cast<std::size_t>(got)));
      }
    }
    device.runDueTimers();
  }
  return makeError("no WireGuard handshake with the operator at " + probe.operatorEndpoint + " within " +
                   std::to_string(probe.deadline.count() / 1000) + " s: UDP to that address (and back to port " +
                   std::to_string(probe.listenPort) + ") seems blocked; check firewalls/NAT for UDP");
}

}  // namespace nefia::enroll
