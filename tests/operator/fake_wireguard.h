// A WireGuard interface in memory for the hub's tests: peers added and removed as `wg set` would, a fixed key and
// port. Not thread-safe: the hub calls it from its one loop thread.
#pragma once

#include <string>
#include <vector>

#include "operator/wireguard_control.h"

namespace nefia::hub {

inline const std::string kFakeOperatorKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

class FakeWireGuard final : public WireGuardControl {
 public:
  Result<std::string> publicKey() override { return kFakeOperatorKey; }
  Result<uint16_t> listenPort() override { return uint16_t{51821}; }
  Status setPeer(const std::string& key, const std::string& allowedIp, const std::string& endpoint) override {
    removePeer(key).ok();
    peers_.push_back({key, endpoint, allowedIp, 0, 0, 0});
    ++setPeerCalls_;
    return Status::success();
  }
  Status removePeer(const std::string& key) override {
    std::erase_if(peers_, [&](const WireGuardPeerInfo& peer) { return peer.publicKey == key; });
    return Status::success();
  }
  Result<std::vector<WireGuardPeerInfo>> peers() override { return peers_; }
  std::vector<WireGuardPeerInfo> peers_;
  int setPeerCalls_ = 0;
};

}  // namespace nefia::hub
