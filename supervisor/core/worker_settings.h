// The `configure` payload each worker role gets: only what that role needs, endpoints already resolved.
// The tunnel's payload carries the private key: never log it (the logger redacts it as a registered secret).
#pragma once

#include <nlohmann/json.hpp>

#include "common/config/agent_config.h"
#include "common/result.h"

namespace nefia::supervisor {

inline constexpr int kForwarderMtu = 1420;        // defaultMTU of the reference
inline constexpr int kForwardedSshPort = 22;      // connections to the VPN address on this port are forwarded
inline constexpr int kMaxAgentConnections = 100;  // maxAgentConns
inline constexpr int kDrainTimeoutMs = 30'000;    // drainTimeout

// Peer endpoints given as host:port are resolved here (blocking getaddrinfo, at start and on reload);
// an endpoint that does not resolve is an error naming the peer, so the old config stays in force.
Result<nlohmann::json> tunnelSettings(const AgentConfig& config);
nlohmann::json forwarderSettings(const AgentConfig& config);
nlohmann::json beaconsSettings(const AgentConfig& config);
nlohmann::json updaterSettings(const AgentConfig& config);

}  // namespace nefia::supervisor
