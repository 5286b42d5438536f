// The tunnel worker's body: a WireGuard Device between the UDP socket and the packet link to the forwarder,
// configured over IPC. Timers sleep until the device's next deadline (no polling). Never logs key material.
#include <chrono>
#include <map>

#include "common/base64.h"
#include "common/log.h"
#include "ipc/settings_payloads.h"
#include "workers/packet_link/packet_link.h"
#include "workers/runtime/worker_body.h"
#include "workers/tunnel/constants.h"
#include "workers/tunnel/device.h"
#include "workers/tunnel/udp_batch.h"

namespace nefia::workers {
namespace {

constexpr const char* kComponent = "tunnel";
constexpr std::size_t kMaxPacketBytes = 1500;  // above the 1420-byte MTU: a larger packet is not ours

uint64_t toUnixMs(std::chrono::system_clock::time_point time) {
  return static_cast<uint64_t>(
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count()));
}

Result<Key32> decodeKey(const std::string& value, const char* field) {
  auto bytes = base64Decode(value);
  if (!bytes || bytes->size() != 32) return makeError(std::string(field) + " is not a 32-byte base64 key");
  Key32 key;
  std::copy(bytes->begin(), bytes->end(), key.data());
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

// The UDP side uses the tunnel library's batched sender/receiver on the handed-over socket; the packet side
// uses the forwarder's PacketLink (the same code on both ends of the socketpair).
class TunnelBody final : public WorkerBody, public wg::DatagramSender, public wg::PacketReceiver {
 public:
  explicit TunnelBody(WorkerContext context) : context_(context) {
    timer_.init(uv_timer_init, context.loop);
    timer_.get()->data = this;
    // Once per loop iteration, after every callback that may have produced datagrams: one sendmmsg for
    // the whole batch, then sleep until the device's next deadline. Unref'd: it keeps nothing alive.
    beforeBlocking_.init(uv_prepare_init, context.loop);
    beforeBlocking_.get()->data = this;
    uv_prepare_start(beforeBlocking_.get(), [](uv_prepare_t* handle) {
      static_cast<TunnelBody*>(handle->data)->afterBatch();
    });
    uv_unref(beforeBlocking_.asHandle());
  }

  ~TunnelBody() override {
    timer_.close();
    beforeBlocking_.close();
    udpPoll_.close();
  }

  void onMessage(ipc::Message&& message) override {
    switch (message.type) {
      case ipc::MessageType::kConfigure:
      case ipc::MessageType::kConfigUpdate: {
        auto part = ipc::parseTunnelSettingsPart(message.payload);
        if (!part.ok()) {
          logError(kComponent, "settings rejected: ", part.error());
          return;
        }
        auto whole = settingsParts_.add(std::move(part.value()));
        if (!whole.ok()) {
          logError(kComponent, "settings rejected: ", whole.error());
        } else if (whole->has_value()) {
          applySettings(**whole);
        }
        break;
      }
      case ipc::MessageType::kHandOverFd: {
        auto handed = ipc::parseHandOverFd(message.payload);
        if (!handed.ok() || message.fds.empty()) return;
        if (handed->role == ipc::HandedFd::kUdpSocket) {
          takeUdpSocket(std::move(message.fds.front()));
          logInfo(kComponent, "UDP socket received");
        } else if (packets_) {
          packets_->replaceFd(message.fds.front().release());
        } else {
          packets_ = std::make_unique<forwarder::PacketLink>(
              context_.loop, message.fds.front().release(), kMaxPacketBytes,
              forwarder::PacketLinkNames{kComponent, "the forwarder worker",
                                         "packets for the forwarder are dropped until the supervisor hands over a new link"});
          packets_->start([this](std::span<const uint8_t> packet) { onPacket(packet); });
          logInfo(kComponent, "packet link to the forwarder received");
        }
        break;
      }
      default: break;
    }
  }

  ipc::StatusReportPayload status() override {
    ipc::TunnelStatus tunnel;
    if (device_) {
      for (const wg::PeerStatus& peer : device_->peerStatus()) {
        ipc::PeerStatus entry;
        entry.publicKey = peer.publicKey;
        entry.vpnAddr = vpnAddrs_[peer.publicKey];
        entry.endpoint = peer.endpoint;
        if (peer.lastHandshake) entry.lastHandshakeUnixMs = toUnixMs(*peer.lastHandshake);
        entry.rxBytes = peer.rxBytes;
        entry.txBytes = peer.txBytes;
        tunnel.peers.push_back(std::move(entry));
      }
    }
    ipc::StatusReportPayload report;
    report.details = std::move(tunnel);
    return report;
  }

  void shutdown(uint64_t, std::function<void()> done) override {
    udpPoll_.close();
    uv_timer_stop(timer_.get());
    if (!packets_) {
      done();
      return;
    }
    packets_->close(std::move(done));
  }

 private:
  void applySettings(const ipc::TunnelSettings& settings) {
    auto key = decodeKey(settings.privateKey, "private_key");
    if (!key.ok()) {
      logError(kComponent, "settings rejected: ", key.error());
      return;
    }
    if (!device_) {
      device_ = std::make_unique<wg::Device>(key.value(), clock_, *this, *this);
    } else if (!device_->publicKey().equals(wg::publicKeyFor(key.value()))) {
      device_->setPrivateKey(key.value());
      logInfo(kComponent, "private key replaced; sessions restart");
    }
    std::map<std::string, bool> wanted;
    for (const ipc::TunnelPeerSettings& entry : settings.peers) {
      auto peerKey = decodeKey(entry.publicKey, "peers[].public_key");
      if (!peerKey.ok()) continue;
      wg::PeerConfig peer;
      peer.publicKey = peerKey.value();
      if (!entry.endpoint.empty()) peer.endpoint = wg::UdpEndpoint::parse(entry.endpoint);
      if (auto prefix = wg::IpPrefix::parse(entry.vpnAddr)) peer.allowedIps.push_back(*prefix);
      peer.persistentKeepalive = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::milliseconds(entry.persistentKeepaliveMs));
      Status upserted = device_->upsertPeer(peer);
      if (!upserted.ok()) {
        logWarn(kComponent, "peer ", entry.publicKey, " rejected: ", upserted.error());
        continue;
      }
      wanted[entry.publicKey] = true;
      vpnAddrs_[entry.publicKey] = entry.vpnAddr;
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

  void takeUdpSocket(UniqueFd socket) {
    udpPoll_.close();  // stop watching the old descriptor before it closes
    udpPoll_ = UvHandle<uv_poll_t>();
    udpSocket_ = std::move(socket);
    udpSender_ = std::make_unique<wg::UdpBatchSender>(udpSocket_.get());
    udpReceiver_ = std::make_unique<wg::UdpBatchReceiver>(udpSocket_.get());
    if (udpPoll_.init(uv_poll_init_socket, context_.loop, udpSocket_.get()) != 0) {
      logError(kComponent, "cannot poll the UDP socket");
      return;
    }
    udpPoll_.get()->data = this;
    uv_poll_start(udpPoll_.get(), UV_READABLE, [](uv_poll_t* poll, int status, int) {
      auto* self = static_cast<TunnelBody*>(poll->data);
      if (status < 0 || !self->device_) return;
      self->udpReceiver_->receiveBatch([self](const wg::UdpEndpoint& from, std::span<uint8_t> datagram) {
        self->device_->receiveDatagram(from, datagram);
      });
    });
  }

  void onPacket(std::span<const uint8_t> packet) {
    if (device_) device_->sendPacket(packet);
  }

  // wg::DatagramSender. The device calls flush() after every call; batching needs the flush once per loop
  // iteration instead (afterBatch), so the device's flush is a no-op here.
  void sendDatagram(const wg::UdpEndpoint& to, std::span<const uint8_t> datagram) override {
    if (udpSender_) udpSender_->sendDatagram(to, datagram);
  }
  // wg::PacketReceiver
  void deliverPacket(std::span<const uint8_t> packet) override {
    if (!packets_) return;
    const iovec piece{const_cast<uint8_t*>(packet.data()), packet.size()};
    packets_->send(std::span<const iovec>(&piece, 1));
  }

  // After any batch of work: send what was queued, then sleep until the device's next deadline.
  void afterBatch() {
    if (!device_) return;
    if (udpSender_) udpSender_->flush();
    if (packets_) packets_->flush();
    scheduleTimer();
  }

  void scheduleTimer() {
    auto deadline = device_->nextTimerDeadline();
    if (!deadline) {
      uv_timer_stop(timer_.get());
      return;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* timer) { static_cast<TunnelBody*>(timer->data)->device_->runDueTimers(); },
        static_cast<uint64_t>(std::max<int64_t>(wait.count(), 0)), 0);
  }

  WorkerContext context_;
  wg::SystemClock clock_;
  std::unique_ptr<wg::Device> device_;
  UniqueFd udpSocket_;
  std::unique_ptr<wg::UdpBatchSender> udpSender_;
  std::unique_ptr<wg::UdpBatchReceiver> udpReceiver_;
  UvHandle<uv_poll_t> udpPoll_;
  std::unique_ptr<forwarder::PacketLink> packets_;
  UvHandle<uv_timer_t> timer_;
  UvHandle<uv_prepare_t> beforeBlocking_;
  std::map<std::string, std::string> vpnAddrs_;  // public key (base64) -> vpn_addr
  ipc::TunnelSettingsAssembler settingsParts_;
};

}  // namespace

std::unique_ptr<WorkerBody> makeTunnelBody(WorkerContext context) { return std::make_unique<TunnelBody>(context); }

}  // namespace nefia::workers
