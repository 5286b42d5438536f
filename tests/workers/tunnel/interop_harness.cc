// Test-only stand-in for the tunnel worker: one UDP socket (batched I/O), a Device on the real clock, and an ICMP echo
// responder for the agent's VPN address on the packet side; optionally pings the peer every second. Writes its
// peer status to a file each second for the interop shell tests. Never used in production; bounded run time.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/base64.h"
#include "common/log.h"
#include "workers/tunnel/device.h"
#include "workers/tunnel/udp_batch.h"

namespace {

using namespace nefia;
using namespace nefia::wg;

volatile sig_atomic_t stopRequested = 0;

struct Options {
  std::string privateKeyFile;
  std::string listen;
  std::string peerPublicKey;
  std::string peerEndpoint;
  std::string peerAllowedIp;
  std::string vpnAddress;
  std::string statusFile;
  std::string pingPeer;
  std::optional<int> persistentKeepalive;
  int runSeconds = 300;
};

uint16_t checksum(const uint8_t* data, std::size_t size) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (size % 2) sum += static_cast<uint32_t>(data[size - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void setChecksum(uint8_t* at, uint16_t value) {
  at[0] = static_cast<uint8_t>(value >> 8);
  at[1] = static_cast<uint8_t>(value);
}

// IPv4 ICMP echo: answers requests to our address, counts replies to our own pings. Answers are queued because
// a PacketReceiver must not call back into the Device.
class EchoResponder final : public PacketReceiver {
 public:
  explicit EchoResponder(in_addr vpnAddress) : vpnAddress_(vpnAddress) {}

  void deliverPacket(std::span<const uint8_t> packet) override {
    if (packet.size() < 28 || (packet[0] >> 4) != 4 || packet[9] != 1) return;
    const std::size_t headerLength = (packet[0] & 0x0f) * 4u;
    if (headerLength < 20 || packet.size() < headerLength + 8) return;
    if (packet[headerLength] == 0) {
      ++echoRepliesReceived;
      return;
    }
    if (packet[headerLength] != 8 || std::memcmp(packet.data() + 16, &vpnAddress_, 4) != 0) return;
    std::vector<uint8_t> reply(packet.begin(), packet.end());
    std::memcpy(reply.data() + 12, packet.data() + 16, 4);
    std::memcpy(reply.data() + 16, packet.data() + 12, 4);
    reply[8] = 64;
    reply[10] = reply[11] = 0;
    setChecksum(reply.data() + 10, checksum(reply.data(), headerLength));
    uint8_t* icmp = reply.data() + headerLength;
    icmp[0] = 0;
    icmp[2] = icmp[3] = 0;
    setChecksum(icmp + 2, checksum(icmp, reply.size() - headerLength));
    pending.push_back(std::move(reply));
  }

  std::vector<std::vector<uint8_t>> pending;
  uint64_t echoRepliesReceived = 0;

 private:
  in_addr vpnAddress_;
};

std::vector<uint8_t> echoRequest(in_addr source, in_addr destination, uint16_t sequence) {
  std::vector<uint8_t> packet(28 + 32, 0x5a);
  packet[0] = 0x45;
  packet[1] = 0;
  packet[2] = 0;
  packet[3] = static_cast<uint8_t>(packet.size());
  packet[4] = packet[5] = packet[6] = packet[7] = 0;
  packet[8] = 64;
  packet[9] = 1;
  packet[10] = packet[11] = 0;
  std::memcpy(packet.data() + 12, &source, 4);
  std::memcpy(packet.data() + 16, &destination, 4);
  setChecksum(packet.data() + 10, checksum(packet.data(), 20));
  uint8_t* icmp = packet.data() + 20;
  icmp[0] = 8;
  icmp[1] = 0;
  icmp[2] = icmp[3] = 0;
  icmp[4] = 0x4e;
  icmp[5] = 0x46;
  icmp[6] = static_cast<uint8_t>(sequence >> 8);
  icmp[7] = static_cast<uint8_t>(sequence);
  setChecksum(icmp + 2, checksum(icmp, packet.size() - 20));
  return packet;
}

std::optional<Options> parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    if (name == "--private-key-file") options.privateKeyFile = value;
    else if (name == "--listen") options.listen = value;
    else if (name == "--peer-public-key") options.peerPublicKey = value;
    else if (name == "--peer-endpoint") options.peerEndpoint = value;
    else if (name == "--peer-allowed-ip") options.peerAllowedIp = value;
    else if (name == "--vpn-addr") options.vpnAddress = value;
    else if (name == "--status-file") options.statusFile = value;
    else if (name == "--ping-peer") options.pingPeer = value;
    else if (name == "--persistent-keepalive") options.persistentKeepalive = std::stoi(value);
    else if (name == "--run-seconds") options.runSeconds = std::stoi(value);
    else return std::nullopt;
  }
  if (options.privateKeyFile.empty() || options.listen.empty() || options.peerPublicKey.empty() ||
      options.peerAllowedIp.empty() || options.vpnAddress.empty() || options.statusFile.empty()) {
    return std::nullopt;
  }
  return options;
}

std::optional<Key32> decodeKey(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  const auto bytes = base64Decode(trimmed);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  Key32 key;
  std::memcpy(key.data(), bytes->data(), 32);
  return key;
}

std::string statusText(const Device& device, const EchoResponder& responder) {
  std::ostringstream out;
  for (const PeerStatus& peer : device.peerStatus()) {
    const long long handshake =
        peer.lastHandshake ? std::chrono::duration_cast<std::chrono::seconds>(peer.lastHandshake->time_since_epoch()).count()
                           : 0;
    out << "peer " << peer.publicKey << "\nendpoint " << peer.endpoint << "\nlast_handshake " << handshake
        << "\nrx_bytes " << peer.rxBytes << "\ntx_bytes " << peer.txBytes << "\nstate " << toString(peer.state) << "\n";
  }
  const DeviceCounters counters = device.counters();
  out << "handshakes_completed " << counters.handshakesCompleted << "\necho_replies " << responder.echoRepliesReceived
      << "\nallowed_ip_mismatch " << counters.allowedIpMismatch << "\n";
  return out.str();
}

int run(const Options& options) {
  const auto privateKeyText = readWholeFile(options.privateKeyFile, 4096);
  const auto privateKey = privateKeyText.ok() ? decodeKey(privateKeyText.value()) : std::nullopt;
  const auto peerKey = decodeKey(options.peerPublicKey);
  const auto listen = UdpEndpoint::parse(options.listen);
  const auto allowed = IpPrefix::parse(options.peerAllowedIp);
  in_addr vpnAddress{};
  in_addr pingTarget{};
  if (!privateKey || !peerKey || !listen || !allowed || inet_pton(AF_INET, options.vpnAddress.c_str(), &vpnAddress) != 1 ||
      (!options.pingPeer.empty() && inet_pton(AF_INET, options.pingPeer.c_str(), &pingTarget) != 1)) {
    std::fprintf(stderr, "interop_harness: invalid key, address or prefix argument\n");
    return 2;
  }
  const int fd = ::socket(listen->address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&listen->address), listen->length) != 0) {
    std::perror("interop_harness: bind");
    return 1;
  }
  SystemClock clock;
  UdpBatchSender sender(fd);
  UdpBatchReceiver batchReceiver(fd);
  EchoResponder responder(vpnAddress);
  Device device(*privateKey, clock, sender, responder);
  PeerConfig peer;
  peer.publicKey = *peerKey;
  if (!options.peerEndpoint.empty()) peer.endpoint = UdpEndpoint::parse(options.peerEndpoint);
  peer.allowedIps = {*allowed};
  if (options.persistentKeepalive) peer.persistentKeepalive = std::chrono::seconds(*options.persistentKeepalive);
  if (Status status = device.upsertPeer(peer); !status.ok()) {
    std::fprintf(stderr, "interop_harness: %s\n", status.error().c_str());
    return 1;
  }

  const auto stopAt = std::chrono::steady_clock::now() + std::chrono::seconds(options.runSeconds);
  auto nextReport = std::chrono::steady_clock::now();
  uint16_t sequence = 0;
  std::string lastStatus;
  while (!stopRequested && std::chrono::steady_clock::now() < stopAt) {
    auto wakeAt = nextReport;
    if (const auto deadline = device.nextTimerDeadline(); deadline && *deadline < wakeAt) wakeAt = *deadline;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wakeAt - std::chrono::steady_clock::now());
    pollfd descriptor{fd, POLLIN, 0};
    ::poll(&descriptor, 1, static_cast<int>(std::max<long long>(0, wait.count()) + 1));
    while (batchReceiver.receiveBatch([&](const UdpEndpoint& from, std::span<uint8_t> datagram) {
      device.receiveDatagram(from, datagram);
    }) > 0) {
      for (const auto& reply : responder.pending) device.sendPacket(reply);
      responder.pending.clear();
    }
    if (const auto deadline = device.nextTimerDeadline(); deadline && *deadline <= std::chrono::steady_clock::now()) {
      device.runDueTimers();
    }
    if (std::chrono::steady_clock::now() >= nextReport) {
      nextReport += std::chrono::seconds(1);
      if (!options.pingPeer.empty()) device.sendPacket(echoRequest(vpnAddress, pingTarget, ++sequence));
    }
    // Rewritten whenever it changes, so the shell test can compare byte counters without racing a stale file.
    if (std::string text = statusText(device, responder); text != lastStatus) {
      if (Status status = writeFileAtomically(options.statusFile, text, 0644); !status.ok()) {
        std::fprintf(stderr, "interop_harness: %s\n", status.error().c_str());
      }
      lastStatus = std::move(text);
    }
  }
  ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parseOptions(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: %s --private-key-file F --listen IP:PORT --peer-public-key B64 [--peer-endpoint IP:PORT]\n"
                 "          --peer-allowed-ip PREFIX --vpn-addr IP --status-file F [--ping-peer IP]\n"
                 "          [--persistent-keepalive S] [--run-seconds S]\n",
                 argv[0]);
    return 2;
  }
  signal(SIGTERM, [](int) { stopRequested = 1; });
  signal(SIGINT, [](int) { stopRequested = 1; });
  nefia::Logger::instance().addSink(nefia::makeStderrSink());
  return run(*options);
}
