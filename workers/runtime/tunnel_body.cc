// The tunnel worker's body: a WireGuard Device between the UDP socket and the packet link to the forwarder,
// configured over IPC. Timers sleep until the device's next deadline (no polling). Never logs key material.
#include <chrono>
#include <map>

#include "common/base64.h"
#include "common/config/rfc3339.h"
#include "common/log.h"
#include "workers/runtime/batched_socket.h"
#include "workers/runtime/worker_body.h"
#include "workers/tunnel/constants.h"
#include "workers/tunnel/device.h"

namespace nefia::workers {
namespace {

constexpr const char* kComponent = "tunnel";

Result<Key32> decodeKey(const nlohmann::json& value, const char* field) {
  if (!value.is_string()) return makeError(std::string(field) + " is missing");
  auto bytes = base64Decode(value.get<std::string>());
  if (!bytes || bytes->size() != 32) return makeError(std::string(field) + " is not a 32-byte base64 key");
  Key32 key;
  std::copy(bytes->begin(), bytes->end(), key.data());
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

class TunnelBody final : public WorkerBody, public wg::DatagramSender, public wg::PacketReceiver {
 public:
  explicit TunnelBody(WorkerContext context)
      : context_(context),
        udp_(context.loop, [this](std::span<uint8_t> datagram, const sockaddr* from, socklen_t length) {
               onDatagram(datagram, from, length);
             },
             [this] { afterBatch(); }),
        packets_(context.loop, [this](std::span<uint8_t> packet, const sockaddr*, socklen_t) { onPacket(packet); },
                 [this] { afterBatch(); }) {
    timer_.init(uv_timer_init, context.loop);
    timer_.get()->data = this;
  }

  ~TunnelBody() override { timer_.close(); }

  void onMessage(ipc::Message&& message) override {
    switch (message.type) {
      case ipc::MessageType::kConfigure:
      case ipc::MessageType::kConfigUpdate: applySettings(message.payload); break;
      case ipc::MessageType::kHandOverFd: {
        auto handed = ipc::parseHandOverFd(message.payload);
        if (!handed.ok() || message.fds.empty()) return;
        if (handed->role == ipc::HandedFd::kUdpSocket) {
          udp_.replaceFd(std::move(message.fds.front()));
          logInfo(kComponent, "UDP socket received");
        } else {
          packets_.replaceFd(std::move(message.fds.front()));
          logInfo(kComponent, "packet link to the forwarder received");
        }
        break;
      }
      default: break;
    }
    afterBatch();
  }

  ipc::StatusReportPayload status() override {
    ipc::TunnelStatus tunnel;
    if (device_) {
      const auto now = std::chrono::system_clock::now();
      for (const wg::PeerStatus& peer : device_->peerStatus()) {
        ipc::PeerStatus entry;
        entry.publicKey = peer.publicKey;
        entry.vpnAddr = vpnAddrs_[peer.publicKey];
        entry.endpoint = peer.endpoint;
        if (peer.lastHandshake) entry.lastHandshake = formatRfc3339(*peer.lastHandshake);
        entry.rxBytes = peer.rxBytes;
        entry.txBytes = peer.txBytes;
        entry.stale = !peer.endpoint.empty() &&
                      (!peer.lastHandshake || now - *peer.lastHandshake > wg::kRejectAfterTime);
        tunnel.peers.push_back(std::move(entry));
      }
    }
    ipc::StatusReportPayload report;
    report.details = std::move(tunnel);
    return report;
  }

  void shutdown(uint64_t, std::function<void()> done) override {
    udp_.close();
    packets_.close();
    uv_timer_stop(timer_.get());
    done();
  }

 private:
  void applySettings(const nlohmann::json& settings) {
    if (!settings.is_object()) return;
    auto key = decodeKey(settings.value("private_key", nlohmann::json()), "private_key");
    if (!key.ok()) {
      logError(kComponent, "settings rejected: ", key.error());
      return;
    }
    if (!device_) {
      device_ = std::make_unique<wg::Device>(key.value(), clock_, *this, *this);
    } else if (!device_->publicKey().equals(publicKeyOf(key.value()))) {
      device_->setPrivateKey(key.value());
      logInfo(kComponent, "private key replaced; sessions restart");
    }
    std::map<std::string, bool> wanted;
    for (const nlohmann::json& entry : settings.value("peers", nlohmann::json::array())) {
      auto peerKey = decodeKey(entry.value("public_key", nlohmann::json()), "peers[].public_key");
      if (!peerKey.ok()) continue;
      wg::PeerConfig peer;
      peer.publicKey = peerKey.value();
      const std::string endpoint = entry.value("endpoint", "");
      if (!endpoint.empty()) peer.endpoint = wg::UdpEndpoint::parse(endpoint);
      const std::string vpnAddr = entry.value("vpn_addr", "");
      if (auto prefix = wg::IpPrefix::parse(vpnAddr)) peer.allowedIps.push_back(*prefix);
      peer.persistentKeepalive = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::milliseconds(entry.value("persistent_keepalive_ms", int64_t{0})));
      const std::string name = entry.value("public_key", "");
      Status upserted = device_->upsertPeer(peer);
      if (!upserted.ok()) {
        logWarn(kComponent, "peer ", name, " rejected: ", upserted.error());
        continue;
      }
      wanted[name] = true;
      vpnAddrs_[name] = vpnAddr;
    }
    for (auto it = vpnAddrs_.begin(); it != vpnAddrs_.end();) {
      if (wanted.count(it->first) != 0) {
        ++it;
        continue;
      }
      if (auto removed = decodeKey(it->first, "peer")) device_->removePeer(removed.value());
      logInfo(kComponent, "peer ", it->first, " removed");
      it = vpnAddrs_.erase(it);
    }
    logInfo(kComponent, "configured with ", wanted.size(), " peer(s)");
  }

  static Key32 publicKeyOf(const Key32& privateKey) {
    Key32 publicKey;
    crypto_scalarmult_base(publicKey.data(), privateKey.data());
    return publicKey;
  }

  void onDatagram(std::span<uint8_t> datagram, const sockaddr* from, socklen_t length) {
    if (!device_ || from == nullptr) return;
    device_->receiveDatagram(wg::UdpEndpoint::fromSockaddr(from, length), datagram);
  }

  void onPacket(std::span<uint8_t> packet) {
    if (device_) device_->sendPacket(packet);
  }

  // wg::DatagramSender
  void sendDatagram(const wg::UdpEndpoint& to, std::span<const uint8_t> datagram) override {
    udp_.queue(datagram, reinterpret_cast<const sockaddr*>(&to.address), to.length);
  }
  // wg::PacketReceiver
  void deliverPacket(std::span<const uint8_t> packet) override { packets_.queue(packet, nullptr, 0); }

  // After any batch of work: send what was queued, then sleep until the device's next deadline.
  void afterBatch() {
    if (!device_) return;
    udp_.flush();
    packets_.flush();
    auto deadline = device_->nextTimerDeadline();
    if (!deadline) {
      uv_timer_stop(timer_.get());
      return;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* timer) {
          auto* self = static_cast<TunnelBody*>(timer->data);
          self->device_->runDueTimers();
          self->afterBatch();
        },
        static_cast<uint64_t>(std::max<int64_t>(wait.count(), 0)), 0);
  }

  WorkerContext context_;
  wg::SystemClock clock_;
  std::unique_ptr<wg::Device> device_;
  BatchedSocket udp_;
  BatchedSocket packets_;
  ipc::UvHandle<uv_timer_t> timer_;
  std::map<std::string, std::string> vpnAddrs_;  // public key (base64) -> vpn_addr
};

}  // namespace

std::unique_ptr<WorkerBody> makeTunnelBody(WorkerContext context) { return std::make_unique<TunnelBody>(context); }

}  // namespace nefia::workers
