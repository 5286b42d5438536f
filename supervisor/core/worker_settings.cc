// Builds each worker's typed settings from the validated config and the resolver's current addresses.
// Never puts a secret anywhere but the tunnel's settings.
#include "supervisor/core/worker_settings.h"

#include <chrono>

#include "common/config/net_address.h"
#include "ipc/protocol_version.h"
#include "ipc/worker_roles.h"
#include "supervisor/core/peer_resolver.h"
#include "workers/forwarder/constants.h"
#include "workers/tunnel/constants.h"

namespace nefia::supervisor {
namespace {

static_assert(forwarder::kDefaultMtu == wg::kTunnelMtu, "the tunnel pads up to the netstack's MTU: keep them equal");

static_assert(kMaxPeers <= ipc::kMaxSettingsPeers, "the tunnel must accept every peer list the config allows");

ipc::TunnelSettings tunnelSettings(const AgentConfig& config, const PeerResolver& resolver) {
  ipc::TunnelSettings settings;
  settings.protocolVersion = ipc::kProtocolVersion;
  settings.privateKey = config.privateKey;
  for (const PeerEntry& peer : config.peers) {
    settings.peers.push_back(
        {peer.publicKey, peer.endpoint.empty() ? "" : resolver.resolved(peer.endpoint), peer.vpnAddr,
         static_cast<uint64_t>(
             std::chrono::duration_cast<std::chrono::milliseconds>(peer.persistentKeepalive).count())});
  }
  return settings;
}

static_assert(kMaxBeaconEntries <= ipc::kMaxBeaconScripts && kMaxBeaconEntries <= ipc::kMaxBeaconPaths &&
                  kMaxBeaconEntries <= ipc::kMaxBeaconServices && kMaxScriptCommandBytes <= ipc::kMaxBeaconCommandBytes &&
                  kMaxScriptNameBytes <= ipc::kMaxBeaconScriptNameBytes &&
                  kMaxBeaconPathBytes <= ipc::kMaxBeaconPathBytes,
              "the beacons worker must accept every beacons section the config allows");

uint64_t milliseconds(Duration duration) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
}

ipc::BeaconsSettings beaconsSettings(const AgentConfig& config) {
  const BeaconsConfig& beacons = config.beacons;
  ipc::BeaconsSettings settings;
  settings.protocolVersion = ipc::kProtocolVersion;
  settings.diskEnabled = beacons.diskUsage.enabled;
  settings.diskIntervalMs = milliseconds(beacons.diskUsage.interval);
  settings.warningPercent = static_cast<uint64_t>(beacons.diskUsage.warningPercent);
  settings.criticalPercent = static_cast<uint64_t>(beacons.diskUsage.criticalPercent);
  settings.paths = beacons.diskUsage.paths;
  settings.servicesEnabled = beacons.serviceCheck.enabled;
  settings.servicesIntervalMs = milliseconds(beacons.serviceCheck.interval);
  settings.services = beacons.serviceCheck.services;
  for (const ScriptBeacon& script : beacons.scripts) {
    settings.scripts.push_back(
        {script.name, script.command, milliseconds(script.interval), milliseconds(effectiveScriptTimeout(script))});
  }
  settings.heartbeatMs = milliseconds(config.testing.beaconHeartbeatInterval);
  return settings;
}

}  // namespace

Status checkTunnelConfig(const AgentConfig& config) {
  if (isKeyringReference(config.privateKey)) {
    return makeError("private_key: keyring storage (" + config.privateKey +
                     ") is not supported by this build yet; put the base64 key in the config (mode 0600)");
  }
  for (std::size_t index = 0; index < config.peers.size(); ++index) {
    if (config.peers[index].endpoint.empty()) continue;
    Result<HostPort> hostPort = parseHostPort(config.peers[index].endpoint);
    if (!hostPort.ok()) return makeError("peers[" + std::to_string(index) + "].endpoint: " + hostPort.error());
  }
  return Status::success();
}

ipc::WorkerSettings settingsFor(ipc::Role role, const AgentConfig& config, const PeerResolver& resolver) {
  switch (ipc::roleSpec(role).body) {
    case ipc::BodyKind::kTunnel: return tunnelSettings(config, resolver);
    case ipc::BodyKind::kForwarder:
      return ipc::ForwarderSettings{ipc::kProtocolVersion, config.address, forwarder::kDefaultMtu,
                                    forwarder::kDefaultListenPort};
    case ipc::BodyKind::kBeacons: return beaconsSettings(config);
    case ipc::BodyKind::kIdle: break;
  }
  return ipc::IdleSettings{ipc::kProtocolVersion};
}

}  // namespace nefia::supervisor
