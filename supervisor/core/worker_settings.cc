// Builds each worker's `configure` payload from the validated config; resolves peer endpoint names.
// Never puts a secret anywhere but the tunnel's payload.
#include "supervisor/core/worker_settings.h"

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>

#include "common/config/net_address.h"

namespace nefia::supervisor {
namespace {

Result<std::string> resolveEndpoint(const std::string& endpoint, std::size_t peerIndex) {
  Result<HostPort> hostPort = parseHostPort(endpoint);
  if (!hostPort.ok()) return makeError("peers[" + std::to_string(peerIndex) + "].endpoint: " + hostPort.error());
  if (hostPort->isIpLiteral) return hostPort->toString();
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* results = nullptr;
  const int status = ::getaddrinfo(hostPort->host.c_str(), nullptr, &hints, &results);
  if (status != 0 || results == nullptr) {
    return makeError("peers[" + std::to_string(peerIndex) + "].endpoint: cannot resolve " + hostPort->host + ": " +
                     gai_strerror(status));
  }
  char text[64] = {};
  const addrinfo* chosen = results;
  ::getnameinfo(chosen->ai_addr, chosen->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(results);
  HostPort resolved{text, hostPort->port, true};
  return resolved.toString();
}

}  // namespace

Result<nlohmann::json> tunnelSettings(const AgentConfig& config) {
  if (isKeyringReference(config.privateKey)) {
    return makeError("private_key: keyring storage (" + config.privateKey +
                     ") is not supported by this build yet; put the base64 key in the config (mode 0600)");
  }
  nlohmann::json peers = nlohmann::json::array();
  for (std::size_t index = 0; index < config.peers.size(); ++index) {
    const PeerEntry& peer = config.peers[index];
    std::string endpoint;
    if (!peer.endpoint.empty()) {
      Result<std::string> resolved = resolveEndpoint(peer.endpoint, index);
      if (!resolved.ok()) return makeError(resolved.error());
      endpoint = resolved.value();
    }
    peers.push_back({{"public_key", peer.publicKey},
                     {"endpoint", endpoint},
                     {"vpn_addr", peer.vpnAddr},
                     {"persistent_keepalive_ms",
                      std::chrono::duration_cast<std::chrono::milliseconds>(peer.persistentKeepalive).count()}});
  }
  return nlohmann::json{{"private_key", config.privateKey},
                        {"listen_port", config.listenPort},
                        {"address", config.address},
                        {"peers", peers}};
}

nlohmann::json forwarderSettings(const AgentConfig& config) {
  return {{"address", config.address},
          {"mtu", kForwarderMtu},
          {"listen_port", kForwardedSshPort},
          {"max_connections", kMaxAgentConnections},
          {"drain_ms", kDrainTimeoutMs}};
}

nlohmann::json beaconsSettings(const AgentConfig&) { return nlohmann::json::object(); }

nlohmann::json updaterSettings(const AgentConfig&) { return nlohmann::json::object(); }

}  // namespace nefia::supervisor
