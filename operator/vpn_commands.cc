// `nefia vpn init/invite/reinvite/remove/status`. Every state change is a locked read-modify-write (HubFiles), so a
// running hub and these commands can work on the same directory at once.
#include "operator/vpn_commands.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/config/net_address.h"
#include "common/invite/invite_token.h"
#include "common/invite/tls_channel.h"
#include "operator/known_hosts.h"

namespace nefia::hub {
namespace {

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string ago(int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + "s ago";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60) + "s ago";
  return std::to_string(seconds / 3600) + "h" + std::to_string(seconds % 3600 / 60) + "m ago";
}

}  // namespace

Status initHub(const HubFiles& files, const HubSettings& settings) {
  if (settings.interfaceName.empty()) return makeError("--interface is required (the operator's WireGuard interface)");
  Result<Cidr> address = parseCidr(settings.address);
  if (!address.ok() || address->address.family != IpFamily::kIpv4) {
    return makeError("--address " + settings.address + ": expected the operator's IPv4 VPN address with prefix, "
                     "e.g. 10.99.0.1/24");
  }
  if (settings.enrollAddresses.empty()) return makeError("--enroll-addr is required (host:port the agents dial)");
  for (const std::string& enrollAddress : settings.enrollAddresses) {
    if (!parseHostPort(enrollAddress).ok()) return makeError("--enroll-addr " + enrollAddress + ": expected host:port");
  }
  if (!settings.endpoint.empty() && !parseHostPort(settings.endpoint).ok()) {
    return makeError("--endpoint " + settings.endpoint + ": expected host:port");
  }
  if (Status status = files.ensureDirectory(); !status.ok()) return status;
  if (Result<Key32> secret = files.loadOrCreateSecret(); !secret.ok()) return makeError(secret.error());
  if (Result<invite::TlsIdentity> identity = files.loadOrCreateIdentity(); !identity.ok()) {
    return makeError(identity.error());
  }
  return files.withStateLock([&]() -> Status {
    Result<HubState> existing = files.loadState();
    HubState state = existing.ok() ? existing.value() : HubState{};
    state.settings = settings;
    return files.saveState(state);
  });
}

Result<std::string> createInvite(const HubFiles& files, WireGuardControl& wireguard, const InviteRequest& request,
                                 int64_t nowUnix) {
  if (request.os != "linux" && request.os != "macos" && request.os != "windows") {
    return makeError("--os " + request.os + ": expected linux, macos or windows");
  }
  if (request.ttl.count() <= 0) return makeError("--ttl must be positive, e.g. 1h");
  Result<Key32> secret = files.loadOrCreateSecret();
  if (!secret.ok()) return makeError(secret.error());
  Result<invite::TlsIdentity> identity = files.loadOrCreateIdentity();
  if (!identity.ok()) return makeError(identity.error());
  Result<std::string> pin = invite::certificatePemSha256(identity->certificatePem);
  if (!pin.ok()) return makeError(pin.error());
  Result<std::string> operatorKey = wireguard.publicKey();
  if (!operatorKey.ok()) return makeError(operatorKey.error());

  invite::InvitePayload payload;
  payload.hostName = request.name;
  payload.os = request.os;
  payload.nonce = invite::makeNonce();
  payload.expiresAt = nowUnix + request.ttl.count();
  payload.operatorPublicKey = operatorKey.value();
  payload.hubCertSha256 = pin.value();
  payload.stun = request.stun;
  Status updated = files.updateState([&](HubState& state) -> Status {
    HostRecord* host = state.findHost(request.name);
    if (host != nullptr && !request.reinvite) {
      return makeError("host " + request.name + " is already enrolled; use `nefia vpn reinvite --name " + request.name +
                       "` to let it enroll again");
    }
    if (host == nullptr && request.reinvite) {
      return makeError("host " + request.name + " is not enrolled; use `nefia vpn invite --name " + request.name + "`");
    }
    if (host != nullptr) host->allowHostKeyChange = true;
    payload.enrollAddresses = state.settings.enrollAddresses;
    payload.operatorVpnAddr = parseCidr(state.settings.address).ok()
                                  ? parseCidr(state.settings.address)->address.toString()
                                  : "";
    // Earlier open invites for the same host stop working: the newest token is the one the operator handed out.
    std::erase_if(state.invites, [&](const PendingInvite& pending) {
      return pending.name == request.name || pending.expiresAt <= nowUnix;
    });
    state.invites.push_back({payload.nonce, request.name, payload.expiresAt});
    return Status::success();
  });
  if (!updated.ok()) return makeError(updated.error());
  Result<invite::InvitePayload> check = invite::parseInviteToken(invite::signInviteToken(payload, secret.value()));
  if (!check.ok()) return makeError("cannot issue a token for " + request.name + ": " + check.error());
  return invite::signInviteToken(payload, secret.value());
}

Status removeHost(const HubFiles& files, WireGuardControl& wireguard, const std::string& name) {
  bool found = false;
  std::string publicKey;
  std::string vpnAddr;
  Status updated = files.updateState([&](HubState& state) -> Status {
    if (HostRecord* host = state.findHost(name)) {
      found = true;
      publicKey = host->publicKey;
      vpnAddr = host->vpnAddr;
      std::erase_if(state.hosts, [&](const HostRecord& record) { return record.name == name; });
    }
    const std::size_t before = state.invites.size();
    std::erase_if(state.invites, [&](const PendingInvite& pending) { return pending.name == name; });
    found = found || state.invites.size() != before;
    return Status::success();
  });
  if (!updated.ok()) return updated;
  if (!found) return makeError("no host or open invite named " + name + "; see `nefia vpn status`");
  if (!publicKey.empty()) {
    if (Status status = wireguard.removePeer(publicKey); !status.ok()) return status;
    KnownHosts knownHosts(files.knownHostsPath());
    if (Status status = knownHosts.remove({name, vpnAddr}); !status.ok()) return status;
  }
  return Status::success();
}

Result<std::string> renderStatus(const HubFiles& files, WireGuardControl& wireguard, int64_t nowUnix) {
  Result<HubState> state = files.loadState();
  if (!state.ok()) return makeError(state.error());
  Result<std::vector<WireGuardPeerInfo>> peers = wireguard.peers();
  if (!peers.ok()) return makeError(peers.error());
  std::ostringstream out;
  out << padded("NAME", 20) << padded("VPN ADDRESS", 16) << padded("ENDPOINT", 24) << "LAST HANDSHAKE\n";
  for (const HostRecord& host : state->hosts) {
    const auto peer = std::find_if(peers->begin(), peers->end(),
                                   [&](const WireGuardPeerInfo& info) { return info.publicKey == host.publicKey; });
    std::string endpoint = host.endpoint.empty() ? "-" : host.endpoint;
    std::string handshake = "never";
    bool stale = true;
    if (peer == peers->end()) {
      handshake = "not on interface";
    } else {
      if (!peer->endpoint.empty()) endpoint = peer->endpoint;
      if (peer->latestHandshake > 0) {
        const int64_t age = std::max<int64_t>(0, nowUnix - peer->latestHandshake);
        handshake = ago(age);
        stale = age > kStaleAfter.count();
      }
    }
    out << padded(host.name, 20) << padded(host.vpnAddr, 16) << padded(endpoint, 24) << handshake
        << (stale ? "  STALE" : "") << "\n";
  }
  return out.str();
}

}  // namespace nefia::hub
