// ONE table of config features: name, "is it configured?", "is it supported?". An issue that implements
// a feature flips its flag here and nowhere else. Must list every area of AgentConfig
// except the test-only `testing:` section.
#include "common/config/config_features.h"

#include <array>
#include <string_view>

namespace nefia {
namespace {

struct ConfigFeature {
  std::string_view name;
  bool (*isConfigured)(const AgentConfig&);
  bool supported;
};

constexpr std::array<ConfigFeature, 14> kConfigFeatures{{
    {"private_key", [](const AgentConfig& c) { return !c.privateKey.empty(); }, true},
    {"listen_port", [](const AgentConfig&) { return true; }, true},
    {"address", [](const AgentConfig& c) { return !c.address.empty(); }, true},
    // Accepted and kept for the operator; it changes nothing in this agent by design (README, "The dns field").
    {"dns", [](const AgentConfig& c) { return !c.dns.empty(); }, true},
    {"ssh_addr", [](const AgentConfig&) { return true; }, true},
    {"peers", [](const AgentConfig& c) { return !c.peers.empty(); }, true},
    {"update_server_url", [](const AgentConfig& c) { return !c.updateServerUrl.empty(); }, false},
    {"agent_token", [](const AgentConfig& c) { return !c.agentToken.empty() || !c.agentTokenExpiresAt.empty(); }, false},
    // Written by every enrollment: it is data about this host, not a feature to switch on, so it never counts as
    // configured-but-inactive (the endpoint reporting that will use it is cloud_api_base's row).
    {"host_id", [](const AgentConfig&) { return false; }, true},
    {"stun_servers", [](const AgentConfig& c) { return !c.stunServers.empty(); }, false},
    {"endpoint_refresh", [](const AgentConfig& c) { return c.endpointRefresh != Duration::zero(); }, false},
    {"cloud_api_base", [](const AgentConfig& c) { return !c.cloudApiBase.empty(); }, false},
    {"derp_servers", [](const AgentConfig& c) { return !c.derpServers.empty(); }, false},
    // The checks run (issue 15); what is not built yet is the transport of their events to the reactor.
    {"beacons' reactor transport (events stay queued in the agent)",
     [](const AgentConfig& c) {
       return c.beacons.diskUsage.enabled || c.beacons.serviceCheck.enabled || !c.beacons.scripts.empty();
     },
     false},
}};

}  // namespace

std::vector<std::string> unsupportedConfiguredFeatures(const AgentConfig& config) {
  std::vector<std::string> names;
  for (const ConfigFeature& feature : kConfigFeatures) {
    if (!feature.supported && feature.isConfigured(config)) names.emplace_back(feature.name);
  }
  return names;
}

}  // namespace nefia
