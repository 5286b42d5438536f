// The enrollment sequence, in the order of the reference's transcript. Each failure prints the reference's error
// text (when the hub gave one) followed by its resolution line, and exits before anything is written.
#include "supervisor/enroll/enrollment.h"
#include "supervisor/enroll/pending_key.h"

#include <sys/stat.h>

#include <csignal>

#include <chrono>
#include <optional>
#include <ostream>
#include <string_view>

#include "common/base64.h"
#include "common/config/agent_config.h"
#include "common/config/config_writer.h"
#include "common/config/net_address.h"
#include "common/invite/enroll_errors.h"
#include "common/invite/invite_token.h"
#include "common/log.h"
#include "supervisor/enroll/host_facts.h"
#include "supervisor/enroll/hub_client.h"
#include "supervisor/enroll/tunnel_probe.h"
#include "common/x25519_keys.h"

namespace nefia::enroll {
namespace {

std::string fingerprintOf(const std::string& key) {
  const auto space = key.find(' ');
  auto blob = base64Decode(space == std::string::npos ? "" : key.substr(space + 1));
  if (!blob) return "";
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, blob->data(), blob->size());
  std::string encoded = base64Encode(digest, sizeof digest);
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return "SHA256:" + encoded;
}

std::string hostOf(const std::string& address) {
  Result<HostPort> parsed = parseHostPort(address);
  return parsed.ok() ? parsed->host : "";
}

Status ensureDirectory(const std::string& configPath) {
  const auto slash = configPath.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return Status::success();
  const std::string directory = configPath.substr(0, slash);
  std::string partial;
  for (std::size_t start = 0; start <= directory.size();) {
    const auto next = directory.find('/', start);
    partial = directory.substr(0, next);
    if (!partial.empty()) ::mkdir(partial.c_str(), 0700);
    if (next == std::string::npos) break;
    start = next + 1;
  }
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return makeError("cannot create the config directory " + directory + "; pass --out-dir to a writable directory");
  }
  return Status::success();
}

int refused(std::ostream& err, const std::string& error) {
  err << "Error: " << error << "\n" << "Resolution: " << invite::enrollErrorResolution(error) << "\n";
  return kExitFailed;
}

// The hub's answers that no retry with the same token can change; the others (rate limit, validation on the
// operator's side) can pass later with the same token and key.
bool retryCanSucceedAfter(std::string_view hubError) {
  return hubError != invite::kErrorTokenExpired && hubError != invite::kErrorNonceReused &&
         hubError != invite::kErrorInvalidSignature && hubError != invite::kErrorEmptyNonce;
}

// After a failed enrollment the pending key (a private key) goes when this token can never succeed; otherwise it
// stays, because the hub may already hold its public key and a retry must present the same one.
void settlePendingKey(const std::string& configPath, bool retryCanSucceed, std::ostream& err) {
  const std::string path = pendingKeyPath(configPath);
  if (retryCanSucceed) {
    err << "The enrollment key is kept in " << path << " (mode 0600) so that a retry with the same token presents "
        << "the same key; it is removed when enrollment succeeds or fails for good.\n";
  } else {
    removePendingKey(configPath);
    err << "Removed the enrollment key " << path << ": this token cannot succeed any more.\n";
  }
}

struct HubOutcome {
  std::optional<invite::EnrollResponse> response;  // the hub's answer, success or one of its error texts
  bool retryCanSucceed = true;                     // when there is no answer
};

// The token's addresses in order: an unreachable one gives way to the next; the first hub reached decides.
HubOutcome enrollWithHub(const invite::InvitePayload& token, invite::EnrollRequest& request, const EnrollPlan& plan,
                         std::ostream& out, std::ostream& err) {
  for (const std::string& address : token.enrollAddresses) {
    out << "Connecting to operator at " << address << "... " << std::flush;
    Result<int> connection = connectToHub(address, plan.connectTimeout);
    if (!connection.ok()) {
      out << "\n";
      err << "Direct connection to " << address << " failed: " << connection.error() << "\n";
      continue;
    }
    request.localEndpoint = localEndpointFor(discoverLocalIp(hostOf(address)), "", request.listenPort);
    HubExchange exchange =
        exchangeWithHub(connection.value(), address, token.hubCertSha256, request, plan.exchangeTimeout);
    if (!exchange.answer.ok()) {
      out << "\n";
      err << "Error: " << exchange.answer.error() << "\n";
      return {std::nullopt, exchange.retryCanSucceed};
    }
    return {std::move(exchange.answer).value(), true};
  }
  err << "Error: could not reach the operator's enrollment hub at any address in the token ("
      << token.enrollAddresses.size() << " tried)\n"
      << "Resolution: check that `nefia vpn hub` runs on the operator and that TCP to the token's address is "
      << "reachable from this host (the cloud relay fallback is not part of this build)\n";
  return {std::nullopt, true};
}

// After the hub's yes: agent.yaml (0600, atomically), the pending key removed, the tunnel proven by a handshake.
int writeConfigAndProveTunnel(const EnrollPlan& plan, const invite::EnrollResponse& response,
                              const invite::EnrollRequest& request, const Key32& privateKey, std::ostream& out,
                              std::ostream& err) {
  Result<Cidr> address = parseCidr(response.address);
  if (!address.ok()) return refused(err, std::string(invite::kErrorValidationFailed));
  AgentConfig config;
  config.privateKey = base64Encode(privateKey.data(), privateKey.size());
  config.listenPort = request.listenPort;
  config.address = response.address;
  config.sshAddr = plan.sshAddr;
  config.hostId = response.hostId;
  PeerEntry peer;
  peer.publicKey = response.operatorPublicKey;
  peer.endpoint = response.operatorEndpoint;
  peer.vpnAddr = response.operatorVpnAddr;
  // A keepalive makes `nefia-agent run` handshake at once, replacing the session the tunnel proof left behind.
  peer.persistentKeepalive = defaultKeepaliveFor(peer);
  config.peers.push_back(peer);
  const ConfigWriteMode mode = plan.replaceExisting ? ConfigWriteMode::kReplace : ConfigWriteMode::kMergeIntoExisting;
  if (Status written = writeAgentConfig(plan.configPath, config, mode); !written.ok()) {
    err << "Error: enrolled with the operator, but writing " << plan.configPath << " failed: " << written.error()
        << "\nResolution: fix the path and enroll again with a token from `nefia vpn reinvite`\n";
    return kExitFailed;
  }
  removePendingKey(plan.configPath);
  out << "Key exchange... OK\n";

  TunnelProbe probe;
  probe.privateKey = privateKey;
  probe.listenPort = config.listenPort;
  probe.agentVpnAddr = address->address.toString();
  probe.operatorPublicKey = peer.publicKey;
  probe.operatorEndpoint = peer.endpoint;
  probe.operatorVpnAddr = peer.vpnAddr;
  probe.deadline = plan.tunnelDeadline;
  const Status tunnel = proveTunnel(probe);
  if (tunnel.ok()) out << "VPN tunnel established " << probe.agentVpnAddr << "\n";
  if (!request.sshHostKeys.empty()) {
    out << "SSH host key registered " << fingerprintOf(request.sshHostKeys.front()) << "\n";
  }
  if (!tunnel.ok()) {
    err << "Error: enrolled, but the VPN tunnel is not proven: " << tunnel.error() << "\n"
        << "Resolution: the config is kept; once UDP to " << peer.endpoint << " works, start `nefia-agent run`\n";
    out << "Config written to " << plan.configPath << "\n";
    return kExitTunnelUnproven;
  }
  out << "Enrollment successful!\n" << "Config written to " << plan.configPath << "\n";
  return kExitEnrolled;
}

}  // namespace

int runEnrollment(const EnrollPlan& plan, std::ostream& out, std::ostream& err) {
  // A hub that closes early must produce an error message, not kill this process while OpenSSL writes.
  std::signal(SIGPIPE, SIG_IGN);
  Result<invite::InvitePayload> token = invite::parseInviteToken(plan.token);
  if (!token.ok()) {
    err << "Error: " << invite::kErrorInvalidSignature << " (" << token.error() << ")\n"
        << "Resolution: " << invite::enrollErrorResolution(invite::kErrorInvalidSignature) << "\n";
    return kExitFailed;
  }
  if (plan.confirm && !plan.confirm("Enroll this host as \"" + token->hostName + "\" with the operator at " +
                                    token->enrollAddresses.front() + "? [y/N] ")) {
    err << "Enrollment cancelled; nothing was sent or written.\n";
    return kExitFailed;
  }

  if (Status directory = ensureDirectory(plan.configPath); !directory.ok()) {
    err << "Error: " << directory.error() << "\n";
    return kExitFailed;
  }
  // Kept until the config is written, so a retry after a crash presents the same key (idempotent at the hub).
  Result<Key32> pendingKey = loadOrCreatePendingKey(plan.configPath, token->nonce);
  if (!pendingKey.ok()) {
    err << "Error: " << pendingKey.error() << "\n";
    return kExitFailed;
  }
  const Key32 privateKey = pendingKey.value();
  const Key32 publicKey = x25519::publicKeyFor(privateKey);
  const std::string privateKeyText = base64Encode(privateKey.data(), privateKey.size());
  Logger::instance().registerSecret(privateKeyText);
  Logger::instance().registerSecret(plan.token);

  invite::EnrollRequest request;
  request.token = plan.token;
  request.publicKey = base64Encode(publicKey.data(), publicKey.size());
  request.listenPort = kDefaultListenPort;
  request.sshHostKeys = collectSshHostKeys(plan.sshAddr);
  request.facts = collectHostFacts();

  const HubOutcome outcome = enrollWithHub(token.value(), request, plan, out, err);
  if (!outcome.response) {
    settlePendingKey(plan.configPath, outcome.retryCanSucceed, err);
    return kExitFailed;
  }
  const invite::EnrollResponse& response = outcome.response.value();
  if (!response.error.empty()) {
    out << "\n";
    if (response.error != invite::kErrorRateLimited) out << "Validating invite token... FAILED\n";
    refused(err, response.error);
    settlePendingKey(plan.configPath, retryCanSucceedAfter(response.error), err);
    return kExitFailed;
  }
  out << "Direct enrollment succeeded.\n" << "Validating invite token... OK\n";

  return writeConfigAndProveTunnel(plan, response, request, privateKey, out, err);
}

}  // namespace nefia::enroll
