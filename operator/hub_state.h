// The operator hub's files in its state directory: settings, enrolled hosts and open invites (state.json), the
// token-signing secret, the TLS identity. Every change is a locked read-modify-write replaced atomically, so
// `nefia vpn invite` and a running `nefia vpn hub` never lose each other's updates. Secrets are never logged.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/invite/tls_channel.h"
#include "common/result.h"
#include "common/secure_buffer.h"

namespace nefia::hub {

struct HubSettings {
  std::string interfaceName;                // the operator's WireGuard interface, e.g. wg0
  std::string address;                      // the operator's VPN address with prefix, e.g. 10.99.0.1/24
  std::vector<std::string> enrollAddresses;  // "host:port" the agents dial, put into tokens
  std::string endpoint;                     // the operator's WireGuard "host:port" for agents; empty: derived
  bool operator==(const HubSettings&) const = default;
};

struct HostRecord {
  std::string name;
  std::string os;
  std::string hostId;
  std::string publicKey;  // the agent's WireGuard key
  std::string vpnAddr;    // e.g. 10.99.0.5
  std::vector<std::string> sshHostKeys;
  std::string endpoint;       // public "ip:port" seen by the hub
  std::string localEndpoint;  // LAN "ip:port" (hairpin NAT fallback) or empty
  int64_t enrolledAt = 0;
  bool allowHostKeyChange = false;  // set by `nefia vpn reinvite`: the operator consents to a new SSH host key
  bool operator==(const HostRecord&) const = default;
};

struct PendingInvite {
  std::string nonce;
  std::string name;
  int64_t expiresAt = 0;
  bool operator==(const PendingInvite&) const = default;
};

struct HubState {
  HubSettings settings;
  std::vector<HostRecord> hosts;
  std::vector<PendingInvite> invites;

  HostRecord* findHost(const std::string& name);
  bool operator==(const HubState&) const = default;
};

class HubFiles {
 public:
  explicit HubFiles(std::string directory) : directory_(std::move(directory)) {}
  std::string statePath() const { return directory_ + "/state.json"; }
  std::string noncesPath() const { return directory_ + "/nonces.json"; }
  std::string knownHostsPath() const { return directory_ + "/known_hosts"; }

  // Creates the directory (0700) when missing.
  Status ensureDirectory() const;
  Result<HubState> loadState() const;  // a missing file is an error that says to run `nefia vpn init`
  Status saveState(const HubState& state) const;
  // Runs change on the current state under an exclusive lock and saves the result when change succeeds.
  Status updateState(const std::function<Status(HubState&)>& change) const;
  // Runs work while holding the state lock (for the hub's enrollment, which also touches nonces and known_hosts).
  Status withStateLock(const std::function<Status()>& work) const;

  Result<Key32> loadOrCreateSecret() const;
  Result<invite::TlsIdentity> loadOrCreateIdentity() const;

 private:
  std::string directory_;
};

// Default state directory: $HOME/.nefia/operator.
Result<std::string> defaultHubDirectory();

}  // namespace nefia::hub
