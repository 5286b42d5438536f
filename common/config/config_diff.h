// What changed between two configs, so a SIGHUP reload sends each worker only its part.
// Must never carry secret values: it says *that* the private key changed, not what it is.
#pragma once

#include <string>
#include <vector>

#include "common/config/agent_config.h"

namespace nefia {

struct ConfigChanges {
  bool privateKey = false;
  bool listenPort = false;
  bool address = false;
  bool dns = false;
  bool sshAddr = false;
  // Peers are matched by public key, so reordering the list is no change.
  std::vector<std::string> peersAdded;    // public keys
  std::vector<std::string> peersRemoved;  // public keys
  std::vector<std::string> peersChanged;  // public keys whose endpoint, vpn_addr or keepalive changed
  bool updateServerUrl = false;
  bool agentToken = false;  // the token or its expiry
  bool hostId = false;
  bool stunServers = false;
  bool endpointRefresh = false;
  bool cloudApiBase = false;
  bool derp = false;  // derp_servers, derp_auto_select or derp_probe_interval
  bool beacons = false;
  bool testing = false;

  bool peers() const { return !peersAdded.empty() || !peersRemoved.empty() || !peersChanged.empty(); }
  bool any() const;
  // For the reload log line: "listen_port, peers (+1 -0 ~1), beacons", or "nothing".
  std::string describe() const;
};

ConfigChanges diffConfigs(const AgentConfig& before, const AgentConfig& after);

}  // namespace nefia
