// The operator's WireGuard interface, driven through the real `wg` tool (kernel WireGuard or wireguard-go).
// An interface so that the enrollment service can be tested with a fake. Never passes a private key on a command line.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace nefia::hub {

struct WireGuardPeerInfo {
  std::string publicKey;
  std::string endpoint;       // "ip:port" or empty
  std::string allowedIps;     // comma separated, as `wg` prints them
  int64_t latestHandshake = 0;  // Unix seconds, 0: never
  uint64_t rxBytes = 0;
  uint64_t txBytes = 0;
};

class WireGuardControl {
 public:
  virtual ~WireGuardControl() = default;
  virtual Result<std::string> publicKey() = 0;
  virtual Result<uint16_t> listenPort() = 0;
  // Adds or updates a peer with one allowed IP (address/32) and, when known, its endpoint.
  virtual Status setPeer(const std::string& publicKey, const std::string& allowedIp, const std::string& endpoint) = 0;
  virtual Status removePeer(const std::string& publicKey) = 0;
  virtual Result<std::vector<WireGuardPeerInfo>> peers() = 0;
};

// `wg` on interfaceName; wgPath defaults to the one on PATH. Each run has a total deadline (the hub's loop waits for
// it): a `wg` that hangs is killed with its process group and reported.
class WgToolControl final : public WireGuardControl {
 public:
  explicit WgToolControl(std::string interfaceName, std::string wgPath = "wg",
                         std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : interface_(std::move(interfaceName)), wg_(std::move(wgPath)), timeout_(timeout) {}
  Result<std::string> publicKey() override;
  Result<uint16_t> listenPort() override;
  Status setPeer(const std::string& publicKey, const std::string& allowedIp, const std::string& endpoint) override;
  Status removePeer(const std::string& publicKey) override;
  Result<std::vector<WireGuardPeerInfo>> peers() override;

 private:
  Result<std::string> run(const std::vector<std::string>& arguments);
  std::string interface_;
  std::string wg_;
  std::chrono::milliseconds timeout_;
};

// Parses `wg show IF dump` output (first line: the interface; then one line per peer).
Result<std::vector<WireGuardPeerInfo>> parseWgDump(const std::string& dump);

}  // namespace nefia::hub
