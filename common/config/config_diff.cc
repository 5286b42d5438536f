// Field-by-field comparison of two AgentConfigs for live reload. Must stay in step with AgentConfig:
// a field missing here would be silently ignored on SIGHUP.
#include "common/config/config_diff.h"

#include <map>

namespace nefia {
namespace {

std::map<std::string, const PeerEntry*> peersByKey(const AgentConfig& config) {
  std::map<std::string, const PeerEntry*> byKey;
  for (const PeerEntry& peer : config.peers) byKey.emplace(peer.publicKey, &peer);
  return byKey;
}

}  // namespace

bool ConfigChanges::any() const {
  return privateKey || listenPort || address || dns || sshAddr || peers() || updateServerUrl || agentToken ||
         hostId || stunServers || endpointRefresh || cloudApiBase || derp || beacons || testing;
}

std::string ConfigChanges::describe() const {
  std::string text;
  auto add = [&text](bool changed, const std::string& name) {
    if (!changed) return;
    if (!text.empty()) text += ", ";
    text += name;
  };
  add(privateKey, "private_key");
  add(listenPort, "listen_port");
  add(address, "address");
  add(dns, "dns");
  add(sshAddr, "ssh_addr");
  add(peers(), "peers (+" + std::to_string(peersAdded.size()) + " -" + std::to_string(peersRemoved.size()) + " ~" +
                   std::to_string(peersChanged.size()) + ")");
  add(updateServerUrl, "update_server_url");
  add(agentToken, "agent_token");
  add(hostId, "host_id");
  add(stunServers, "stun_servers");
  add(endpointRefresh, "endpoint_refresh");
  add(cloudApiBase, "cloud_api_base");
  add(derp, "derp");
  add(beacons, "beacons");
  add(testing, "testing");
  return text.empty() ? "nothing" : text;
}

ConfigChanges diffConfigs(const AgentConfig& before, const AgentConfig& after) {
  ConfigChanges changes;
  changes.privateKey = before.privateKey != after.privateKey;
  changes.listenPort = before.listenPort != after.listenPort;
  changes.address = before.address != after.address;
  changes.dns = before.dns != after.dns;
  changes.sshAddr = before.sshAddr != after.sshAddr;
  const auto oldPeers = peersByKey(before);
  const auto newPeers = peersByKey(after);
  for (const auto& [key, peer] : newPeers) {
    const auto old = oldPeers.find(key);
    if (old == oldPeers.end()) {
      changes.peersAdded.push_back(key);
    } else if (!(*old->second == *peer)) {
      changes.peersChanged.push_back(key);
    }
  }
  for (const auto& [key, peer] : oldPeers) {
    if (newPeers.find(key) == newPeers.end()) changes.peersRemoved.push_back(key);
  }
  changes.updateServerUrl = before.updateServerUrl != after.updateServerUrl;
  changes.agentToken = before.agentToken != after.agentToken || before.agentTokenExpiresAt != after.agentTokenExpiresAt;
  changes.hostId = before.hostId != after.hostId;
  changes.stunServers = before.stunServers != after.stunServers;
  changes.endpointRefresh = before.endpointRefresh != after.endpointRefresh;
  changes.cloudApiBase = before.cloudApiBase != after.cloudApiBase;
  changes.derp = before.derpServers != after.derpServers || before.derpAutoSelect != after.derpAutoSelect ||
                 before.derpProbeInterval != after.derpProbeInterval;
  changes.beacons = before.beacons != after.beacons;
  changes.testing = before.testing != after.testing;
  return changes;
}

}  // namespace nefia
