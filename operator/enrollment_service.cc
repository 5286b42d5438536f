// The hub's enrollment decision, in the order the reference's error table implies: signature, empty nonce, expiry,
// reuse, then the host-level checks. Every refusal is logged with its detail; the agent only gets the table's text.
#include "operator/enrollment_service.h"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>

#include "common/config/net_address.h"
#include "common/invite/enroll_errors.h"
#include "common/invite/invite_token.h"
#include "common/log.h"
#include "operator/known_hosts.h"
#include "operator/nonce_store.h"

namespace nefia::hub {
namespace {

constexpr std::string_view kComponent = "hub";

invite::EnrollResponse refuse(std::string_view error) {
  invite::EnrollResponse response;
  response.error = std::string(error);
  return response;
}

std::string makeHostId() {
  uint8_t bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string("h-") + hex;
}

std::string hostOf(const std::string& hostPort) {
  Result<HostPort> parsed = parseHostPort(hostPort);
  return parsed.ok() ? parsed->host : "";
}

std::string joinHostPort(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The request's SSH host keys in known_hosts form; an error when one is malformed.
Result<std::vector<std::string>> normalizedHostKeys(const std::vector<std::string>& keys) {
  std::vector<std::string> normalized;
  for (const std::string& key : keys) {
    normalized.push_back(normalizeHostKey(key));
    if (normalized.back().empty()) return makeError("malformed SSH host key");
  }
  return normalized;
}

// What one accepted request says about the host.
struct EnrollmentFacts {
  const invite::InvitePayload& token;
  const invite::EnrollRequest& request;
  const std::vector<std::string>& sshKeys;
  const std::string& sourceIp;
  int64_t nowUnix;
};

// The record the host gets: its existing one (same VPN address and host id) or a new one with a free address,
// updated from the request.
Result<HostRecord> enrolledRecord(const HubState& state, const HostRecord* existing, const EnrollmentFacts& facts) {
  HostRecord host = existing != nullptr ? *existing : HostRecord{};
  if (existing == nullptr) {
    std::vector<std::string> taken;
    for (const HostRecord& other : state.hosts) taken.push_back(other.vpnAddr);
    Result<std::string> address = allocateVpnAddress(state.settings.address, taken);
    if (!address.ok()) return makeError(address.error());
    host.vpnAddr = address.value();
    host.hostId = makeHostId();
  }
  host.name = facts.token.hostName;
  host.os = facts.token.os;
  host.publicKey = facts.request.publicKey;
  host.sshHostKeys = facts.sshKeys;
  host.endpoint = facts.request.listenPort != 0 ? joinHostPort(facts.sourceIp, facts.request.listenPort) : "";
  host.localEndpoint = hairpinLocalEndpoint(facts.request.localEndpoint, facts.sourceIp);
  host.enrolledAt = facts.nowUnix;
  host.allowHostKeyChange = false;
  return host;
}

}  // namespace

std::string hairpinLocalEndpoint(const std::string& localEndpoint, const std::string& publicIp) {
  if (localEndpoint.empty()) return "";
  Result<HostPort> parsed = parseHostPort(localEndpoint);
  if (!parsed.ok() || !parsed->isIpLiteral || parsed->host == publicIp) return "";
  return localEndpoint;
}

Result<std::string> allocateVpnAddress(const std::string& operatorCidr, const std::vector<std::string>& taken) {
  Result<Cidr> cidr = parseCidr(operatorCidr);
  if (!cidr.ok() || cidr->address.family != IpFamily::kIpv4 || cidr->prefixLength > 30) {
    return makeError("operator address " + operatorCidr + " is not an IPv4 CIDR with room for hosts (e.g. 10.99.0.1/24)");
  }
  const auto& bytes = cidr->address.bytes;
  const uint32_t own = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
  const uint32_t mask = cidr->prefixLength == 0 ? 0 : ~uint32_t{0} << (32 - cidr->prefixLength);
  const uint32_t network = own & mask;
  const uint32_t broadcast = network | ~mask;
  for (uint32_t candidate = network + 1; candidate < broadcast; ++candidate) {
    if (candidate == own) continue;
    in_addr address{htonl(candidate)};
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &address, text, sizeof text);
    if (std::find(taken.begin(), taken.end(), text) == taken.end()) return std::string(text);
  }
  return makeError("no free VPN address left in " + operatorCidr + "; remove unused hosts with `nefia vpn remove`");
}

invite::EnrollResponse EnrollmentService::enroll(const invite::EnrollRequest& request, const std::string& sourceIp,
                                                 int64_t nowUnix) {
  Result<invite::InvitePayload> token = invite::verifyInviteToken(request.token, secret_);
  if (!token.ok()) {
    logWarn(kComponent, "refused enrollment from ", sourceIp, ": ", token.error());
    return refuse(token.error());
  }
  if (token->nonce.empty()) {
    logWarn(kComponent, "refused enrollment from ", sourceIp, " for ", token->hostName, ": empty nonce");
    return refuse(invite::kErrorEmptyNonce);
  }
  if (nowUnix >= token->expiresAt) {
    logWarn(kComponent, "refused enrollment from ", sourceIp, " for ", token->hostName, ": token expired");
    return refuse(invite::kErrorTokenExpired);
  }
  invite::EnrollResponse response;
  Status locked = files_.withStateLock([&]() -> Status {
    response = enrollLocked(request, token.value(), sourceIp, nowUnix);
    return Status::success();
  });
  if (!locked.ok()) {
    logError(kComponent, "enrollment of ", token->hostName, " failed: ", locked.error());
    return refuse(invite::kErrorValidationFailed);
  }
  return response;
}

invite::EnrollResponse EnrollmentService::answerFor(const HubState& state, const HostRecord& host) {
  invite::EnrollResponse response;
  Result<Cidr> operatorCidr = parseCidr(state.settings.address);
  Result<std::string> operatorKey = wireguard_.publicKey();
  if (!operatorCidr.ok() || !operatorKey.ok()) {
    logError(kComponent, "cannot answer ", host.name, ": ",
             operatorKey.ok() ? "operator address " + state.settings.address + " is not a CIDR" : operatorKey.error());
    return refuse(invite::kErrorValidationFailed);
  }
  std::string endpoint = state.settings.endpoint;
  if (endpoint.empty()) {
    Result<uint16_t> port = wireguard_.listenPort();
    if (!port.ok() || state.settings.enrollAddresses.empty()) {
      logError(kComponent, "cannot tell ", host.name, " the WireGuard endpoint: ",
               port.ok() ? "no enrollment address configured" : port.error());
      return refuse(invite::kErrorValidationFailed);
    }
    endpoint = joinHostPort(hostOf(state.settings.enrollAddresses.front()), port.value());
  }
  response.hostName = host.name;
  response.address = host.vpnAddr + "/" + std::to_string(operatorCidr->prefixLength);
  response.operatorPublicKey = operatorKey.value();
  response.operatorEndpoint = endpoint;
  response.operatorVpnAddr = operatorCidr->address.toString();
  response.hostId = host.hostId;
  return response;
}

invite::EnrollResponse EnrollmentService::enrollLocked(const invite::EnrollRequest& request,
                                                       const invite::InvitePayload& token,
                                                       const std::string& sourceIp, int64_t nowUnix) {
  const std::string& name = token.hostName;
  const auto failed = [&](const std::string& why) {
    logWarn(kComponent, "refused enrollment of ", name, " from ", sourceIp, ": ", why);
    return refuse(invite::kErrorValidationFailed);
  };
  Result<HubState> loaded = files_.loadState();
  if (!loaded.ok()) return failed(loaded.error());
  HubState& state = loaded.value();
  Result<NonceStore> nonces = NonceStore::load(files_.noncesPath());
  if (!nonces.ok()) return failed(nonces.error());

  if (std::optional<NonceUse> used = nonces->find(token.nonce)) {
    HostRecord* host = state.findHost(name);
    if (used->publicKey == request.publicKey && host != nullptr && host->publicKey == request.publicKey) {
      logInfo(kComponent, "repeated enrollment of ", name, " with the same key: answering as before");
      return answerFor(state, *host);
    }
    logWarn(kComponent, "refused enrollment of ", name, " from ", sourceIp, ": nonce already used");
    return refuse(invite::kErrorNonceReused);
  }
  const auto invite = std::find_if(state.invites.begin(), state.invites.end(), [&](const PendingInvite& pending) {
    return pending.nonce == token.nonce && pending.name == name;
  });
  if (invite == state.invites.end()) return failed("no open invite for this token (host removed or reinvited)");

  Result<std::vector<std::string>> normalizedKeys = normalizedHostKeys(request.sshHostKeys);
  if (!normalizedKeys.ok()) return failed(normalizedKeys.error());
  const std::vector<std::string>& sshKeys = normalizedKeys.value();
  for (const HostRecord& other : state.hosts) {
    if (other.name != name && other.publicKey == request.publicKey) {
      return failed("WireGuard key already belongs to host " + other.name);
    }
  }
  HostRecord* existing = state.findHost(name);
  std::vector<std::string> hostNames = {name};
  if (existing != nullptr) hostNames.push_back(existing->vpnAddr);
  Result<HostKeyCheck> keyCheck = knownHosts_.check(hostNames, sshKeys);
  if (!keyCheck.ok()) return failed(keyCheck.error());
  if (keyCheck.value() == HostKeyCheck::kChanged && (existing == nullptr || !existing->allowHostKeyChange)) {
    logError(kComponent, "WARNING: the SSH host key of ", name, " has changed. Someone could be eavesdropping on you "
             "right now (man-in-the-middle attack), or the host was reinstalled. Refusing enrollment; if the change "
             "is expected, run `nefia vpn reinvite --name ", name, "`");
    return refuse(invite::kErrorValidationFailed);
  }

  const std::string previousKey = existing != nullptr ? existing->publicKey : "";
  Result<HostRecord> record = enrolledRecord(state, existing, EnrollmentFacts{token, request, sshKeys, sourceIp, nowUnix});
  if (!record.ok()) return failed(record.error());
  const HostRecord& host = record.value();

  if (!previousKey.empty() && previousKey != host.publicKey) {
    if (Status status = wireguard_.removePeer(previousKey); !status.ok()) return failed(status.error());
  }
  if (Status status = wireguard_.setPeer(host.publicKey, host.vpnAddr + "/32", host.endpoint); !status.ok()) {
    return failed(status.error());
  }
  if (Status status = nonces->record(token.nonce, {host.publicKey, name, token.expiresAt}, nowUnix); !status.ok()) {
    return failed(status.error());
  }
  if (Status status = knownHosts_.replace({name, host.vpnAddr}, sshKeys); !status.ok()) return failed(status.error());
  state.invites.erase(invite);
  if (existing != nullptr) {
    *existing = host;
  } else {
    state.hosts.push_back(host);
  }
  if (Status status = files_.saveState(state); !status.ok()) return failed(status.error());
  logInfo(kComponent, "enrolled ", name, " at ", host.vpnAddr, " from ", sourceIp,
          sshKeys.empty() ? std::string(" (no SSH host key)") : " with SSH host key " + hostKeyFingerprint(sshKeys[0]));
  return answerFor(state, host);
}

Result<int> EnrollmentService::restorePeers() {
  Result<HubState> state = files_.loadState();
  if (!state.ok()) return makeError(state.error());
  Result<std::vector<WireGuardPeerInfo>> present = wireguard_.peers();
  if (!present.ok()) return makeError(present.error());
  int restored = 0;
  for (const HostRecord& host : state->hosts) {
    const bool onInterface = std::any_of(present->begin(), present->end(), [&](const WireGuardPeerInfo& peer) {
      return peer.publicKey == host.publicKey;
    });
    if (onInterface) continue;
    if (Status status = wireguard_.setPeer(host.publicKey, host.vpnAddr + "/32", host.endpoint); !status.ok()) {
      return makeError("restoring " + host.name + ": " + status.error());
    }
    ++restored;
  }
  return restored;
}

}  // namespace nefia::hub
