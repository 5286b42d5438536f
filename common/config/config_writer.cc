// Merge-and-emit for agent.yaml. The original tree is cloned and only known keys are touched, so
// unknown keys keep their place and value. No yaml-cpp exception may escape: every entry point catches.
#include "common/config/config_writer.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>

#include <yaml-cpp/yaml.h>

#include "common/atomic_file.h"
#include "common/config/config_loader.h"
#include "common/config/config_validation.h"

namespace nefia {
namespace {

constexpr int kMaxTreeDepth = 64;
constexpr long kMaxTreeNodes = 100000;

// Anchors and aliases can make a tree cyclic or exponentially large; the emitter would follow them.
bool isTreeBounded(const YAML::Node& node, int depth, long& budget) {
  if (depth > kMaxTreeDepth || --budget < 0) return false;
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (!isTreeBounded(entry.first, depth + 1, budget) || !isTreeBounded(entry.second, depth + 1, budget)) return false;
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!isTreeBounded(item, depth + 1, budget)) return false;
    }
  }
  return true;
}

bool hasKey(const YAML::Node& map, const char* key) { return map.IsMap() && map[key].IsDefined(); }

void setText(YAML::Node& map, const char* key, const std::string& value) {
  if (value.empty()) {
    map.remove(key);
  } else {
    map[key] = value;
  }
}

void setList(YAML::Node& map, const char* key, const std::vector<std::string>& values) {
  if (values.empty()) {
    map.remove(key);
    return;
  }
  YAML::Node list(YAML::NodeType::Sequence);
  for (const std::string& value : values) list.push_back(value);
  map[key] = list;
}

// Fields with a default are written when the file already names them or the value differs.
template <typename T>
void setDefaulted(YAML::Node& map, const char* key, const T& value, const T& defaultValue) {
  if (hasKey(map, key) || value != defaultValue) map[key] = value;
}

void setDuration(YAML::Node& map, const char* key, Duration value, Duration defaultValue) {
  if (hasKey(map, key)) {
    const YAML::Node existing = map[key];
    if (existing.IsScalar()) {
      auto parsed = parseGoDuration(existing.Scalar());
      if (parsed.ok() && parsed.value() == value) return;
    }
  } else if (value == defaultValue) {
    return;
  }
  map[key] = formatShortGoDuration(value);
}

void setPort(YAML::Node& map, const char* key, uint16_t value, uint16_t defaultValue) {
  setDefaulted<int>(map, key, value, defaultValue);
}

// Starting node for one entry of a list: the original entry with the same identity (public key,
// name), else a fresh mapping. Entries are matched by identity so a reordered list keeps its extras.
YAML::Node originalEntry(const YAML::Node& originalList, const char* identityKey, const std::string& identity) {
  if (originalList.IsSequence()) {
    for (const auto& item : originalList) {
      if (item.IsMap() && item[identityKey].IsScalar() && item[identityKey].Scalar() == identity) {
        return YAML::Clone(item);
      }
    }
  }
  return YAML::Node(YAML::NodeType::Map);
}

template <typename Entry>
void setEntries(YAML::Node& map, const char* key, const std::vector<Entry>& entries, const char* identityKey,
                const std::function<std::string(const Entry&)>& identityOf,
                const std::function<void(YAML::Node&, const Entry&)>& fill) {
  if (entries.empty()) {
    map.remove(key);
    return;
  }
  const YAML::Node original = hasKey(map, key) ? map[key] : YAML::Node();
  YAML::Node list(YAML::NodeType::Sequence);
  for (const Entry& entry : entries) {
    YAML::Node item = originalEntry(original, identityKey, identityOf(entry));
    fill(item, entry);
    list.push_back(item);
  }
  map[key] = list;
}

YAML::Node sectionOf(const YAML::Node& map, const char* key) {
  if (hasKey(map, key) && map[key].IsMap()) return YAML::Clone(map[key]);
  return YAML::Node(YAML::NodeType::Map);
}

void mergeBeacons(YAML::Node& root, const BeaconsConfig& beacons) {
  if (!hasKey(root, "beacons") && beacons == BeaconsConfig{}) return;
  YAML::Node section = sectionOf(root, "beacons");
  const DiskUsageBeacon defaultDisk;
  if (hasKey(section, "disk_usage") || beacons.diskUsage != defaultDisk) {
    YAML::Node disk = sectionOf(section, "disk_usage");
    setDefaulted(disk, "enabled", beacons.diskUsage.enabled, defaultDisk.enabled);
    setDuration(disk, "interval", beacons.diskUsage.interval, defaultDisk.interval);
    setDefaulted(disk, "warning_percent", beacons.diskUsage.warningPercent, defaultDisk.warningPercent);
    setDefaulted(disk, "critical_percent", beacons.diskUsage.criticalPercent, defaultDisk.criticalPercent);
    setList(disk, "paths", beacons.diskUsage.paths);
    section["disk_usage"] = disk;
  }
  const ServiceCheckBeacon defaultServices;
  if (hasKey(section, "service_check") || beacons.serviceCheck != defaultServices) {
    YAML::Node services = sectionOf(section, "service_check");
    setDefaulted(services, "enabled", beacons.serviceCheck.enabled, defaultServices.enabled);
    setDuration(services, "interval", beacons.serviceCheck.interval, defaultServices.interval);
    setList(services, "services", beacons.serviceCheck.services);
    section["service_check"] = services;
  }
  setEntries<ScriptBeacon>(
      section, "scripts", beacons.scripts, "name", [](const ScriptBeacon& script) { return script.name; },
      [](YAML::Node& item, const ScriptBeacon& script) {
        setText(item, "name", script.name);
        setText(item, "command", script.command);
        setDuration(item, "interval", script.interval, Duration::zero());
      });
  root["beacons"] = section;
}

void mergeConfig(YAML::Node& root, const AgentConfig& config) {
  const AgentConfig defaults;
  setText(root, "private_key", config.privateKey);
  setPort(root, "listen_port", config.listenPort, defaults.listenPort);
  setText(root, "address", config.address);
  setList(root, "dns", config.dns);
  setDefaulted(root, "ssh_addr", config.sshAddr, defaults.sshAddr);
  setEntries<PeerEntry>(
      root, "peers", config.peers, "public_key", [](const PeerEntry& peer) { return peer.publicKey; },
      [](YAML::Node& item, const PeerEntry& peer) {
        setText(item, "public_key", peer.publicKey);
        setText(item, "endpoint", peer.endpoint);
        setText(item, "vpn_addr", peer.vpnAddr);
        setDuration(item, "persistent_keepalive", peer.persistentKeepalive, defaultKeepaliveFor(peer));
      });
  setText(root, "update_server_url", config.updateServerUrl);
  setText(root, "agent_token", config.agentToken);
  setText(root, "agent_token_expires_at", config.agentTokenExpiresAt);
  setText(root, "host_id", config.hostId);
  setList(root, "stun_servers", config.stunServers);
  setDuration(root, "endpoint_refresh", config.endpointRefresh, defaults.endpointRefresh);
  setText(root, "cloud_api_base", config.cloudApiBase);
  setEntries<DerpServer>(
      root, "derp_servers", config.derpServers, "name", [](const DerpServer& server) { return server.name; },
      [](YAML::Node& item, const DerpServer& server) {
        setText(item, "name", server.name);
        setText(item, "url", server.url);
        setText(item, "region", server.region);
        setPort(item, "stun_port", server.stunPort, 0);
      });
  setDefaulted(root, "derp_auto_select", config.derpAutoSelect, defaults.derpAutoSelect);
  setDuration(root, "derp_probe_interval", config.derpProbeInterval, defaults.derpProbeInterval);
  mergeBeacons(root, config.beacons);
}

}  // namespace

Result<std::string> renderAgentConfig(const AgentConfig& config, std::string_view originalYaml) {
  try {
    YAML::Node root(YAML::NodeType::Map);
    const YAML::Node original = YAML::Load(std::string(originalYaml));
    if (original.IsMap()) {
      long budget = kMaxTreeNodes;
      if (!isTreeBounded(original, 0, budget)) {
        return makeError("the existing config nests too deeply or expands too far through YAML aliases; "
                         "rewrite it without anchors or replace it");
      }
      root = YAML::Clone(original);
    } else if (!original.IsNull()) {
      return makeError("the existing config is not a mapping of fields; replace it");
    }
    mergeConfig(root, config);
    YAML::Emitter out;
    out << root;
    if (!out.good()) return makeError("cannot render the config as YAML: " + out.GetLastError());
    return std::string(out.c_str()) + "\n";
  } catch (const YAML::ParserException& error) {
    return makeError("the existing config is not valid YAML (line " + std::to_string(error.mark.line + 1) +
                     ": " + error.msg + "); fix it or replace it");
  } catch (const std::exception& error) {
    return makeError(std::string("cannot render the config as YAML: ") + error.what());
  }
}

Status writeAgentConfig(const std::string& path, const AgentConfig& config, ConfigWriteMode mode) {
  const std::vector<std::string> problems = validateAgentConfig(config);
  if (!problems.empty()) {
    std::string message = "refusing to write an invalid config to " + path + ":";
    for (const std::string& problem : problems) message += "\n  " + problem;
    return makeError(message);
  }
  std::string original;
  struct stat info{};
  if (mode == ConfigWriteMode::kMergeIntoExisting) {
    if (::stat(path.c_str(), &info) == 0) {
      auto contents = readWholeFile(path, kMaxConfigFileBytes);
      if (!contents.ok()) return makeError("cannot update config: " + contents.error());
      original = std::move(contents.value());
    } else if (errno != ENOENT) {
      return makeError("cannot update config " + path + ": " + std::strerror(errno));
    }
  }
  auto rendered = renderAgentConfig(config, original);
  if (!rendered.ok()) return makeError("cannot update config " + path + ": " + rendered.error());
  return writeFileAtomically(path, rendered.value(), 0600);
}

}  // namespace nefia
