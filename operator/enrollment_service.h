// What the hub decides for one enrollment request: token signature, empty nonce, expiry, single use (idempotent for
// the same agent key), open invite, SSH host key TOFU, VPN address, `wg set`, state. Answers carry the reference's
// error texts only; details go to the hub's log. Synchronous and transport-free so that it is unit-testable. One
// instance per hub holds the one KnownHosts object, so its reader/writer lock covers every caller in the process.
#pragma once

#include <cstdint>
#include <string>

#include "common/invite/enroll_protocol.h"
#include "common/invite/invite_token.h"
#include "common/secure_buffer.h"
#include "operator/hub_state.h"
#include "operator/known_hosts.h"
#include "operator/wireguard_control.h"

namespace nefia::hub {

class EnrollmentService {
 public:
  EnrollmentService(const HubFiles& files, const Key32& secret, WireGuardControl& wireguard)
      : files_(files), secret_(secret), wireguard_(wireguard), knownHosts_(files.knownHostsPath()) {}

  // sourceIp: the TCP peer's address as the hub saw it (the agent's public IP).
  invite::EnrollResponse enroll(const invite::EnrollRequest& request, const std::string& sourceIp, int64_t nowUnix);

  // Adds every enrolled host missing from the WireGuard interface (hub start, WireGuard restart). Returns how many.
  Result<int> restorePeers();

 private:
  invite::EnrollResponse enrollLocked(const invite::EnrollRequest& request, const invite::InvitePayload& token,
                                      const std::string& sourceIp, int64_t nowUnix);
  invite::EnrollResponse answerFor(const HubState& state, const HostRecord& host);

  const HubFiles& files_;
  const Key32& secret_;
  WireGuardControl& wireguard_;
  KnownHosts knownHosts_;
};

// The LAN endpoint worth recording: empty when the agent found none or when it equals the public address.
std::string hairpinLocalEndpoint(const std::string& localEndpoint, const std::string& publicIp);

// The lowest free host address in the operator's subnet (IPv4), skipping the operator's own and taken ones.
Result<std::string> allocateVpnAddress(const std::string& operatorCidr, const std::vector<std::string>& taken);

}  // namespace nefia::hub
