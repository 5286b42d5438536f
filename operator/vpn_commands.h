// The operator's `nefia vpn` commands other than the hub: init, invite, reinvite, remove, status. Each returns its
// output text or an error saying what to do; printing and exit codes belong to main.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "operator/hub_state.h"
#include "operator/wireguard_control.h"

namespace nefia::hub {

constexpr std::chrono::seconds kDefaultInviteTtl = std::chrono::hours(24);
constexpr std::chrono::seconds kStaleAfter{180};  // no handshake for this long: STALE in `nefia vpn status`

// Writes the hub's settings (keeping enrolled hosts and open invites), the signing secret and the TLS identity.
Status initHub(const HubFiles& files, const HubSettings& settings);

struct InviteRequest {
  std::string name;
  std::string os;
  std::chrono::seconds ttl = kDefaultInviteTtl;
  bool stun = false;
  bool reinvite = false;  // the operator's consent that an enrolled host comes back (maybe with a new SSH host key)
};

// A signed token. A plain invite for an enrolled host is refused (use reinvite); a reinvite for an unknown host too.
Result<std::string> createInvite(const HubFiles& files, WireGuardControl& wireguard, const InviteRequest& request,
                                 int64_t nowUnix);

// Removes the host's peer, its known_hosts lines, its record and its open invites (so their tokens are refused).
Status removeHost(const HubFiles& files, WireGuardControl& wireguard, const std::string& name);

// One line per enrolled host: name, VPN address, endpoint, last handshake, STALE without a handshake in 180 s.
Result<std::string> renderStatus(const HubFiles& files, WireGuardControl& wireguard, int64_t nowUnix);

}  // namespace nefia::hub
