// The agent.yaml schema: which keys exist at which level and how each is read. Validation of values
// lives in config_validation.cc. Every yaml-cpp exception is caught here and becomes a problem with a line.
#include "common/config/config_loader.h"

#include <exception>
#include <sstream>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "common/atomic_file.h"
#include "common/config/config_validation.h"
#include "common/config/yaml_field_reader.h"
#include "common/secret_text.h"

namespace nefia {
namespace {

using Field = YamlFieldReader::Field;

// Records the line where each document starts; the node tree itself comes from YAML::Load.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { lines.push_back(mark.line + 1); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<int> lines;
};

// Line of a second YAML document, if any. Documents are counted with a bound because yaml-cpp 0.7's
// LoadAll() loops forever on some malformed streams such as ",x" (jbeder/yaml-cpp#1040, fixed upstream
// by #1319 after the 0.8.0 release that Debian ships later).
int secondDocumentLine(const std::string& text) {
  std::istringstream input(text);
  YAML::Parser parser(input);
  DocumentStarts starts;
  for (int documents = 0; documents < 2 && parser.HandleNextDocument(starts); ++documents) {
  }
  return starts.lines.size() > 1 ? starts.lines[1] : 0;
}

void readPeer(YamlFieldReader& reader, const YAML::Node& node, const std::string& path, PeerEntry& peer) {
  bool keepaliveSet = false;
  reader.readMapping(node, path,
                     {
                         {"public_key", [&](auto& v, auto& p) { reader.readString(v, p, peer.publicKey); }},
                         {"endpoint", [&](auto& v, auto& p) { reader.readString(v, p, peer.endpoint); }},
                         {"vpn_addr", [&](auto& v, auto& p) { reader.readString(v, p, peer.vpnAddr); }},
                         {"persistent_keepalive",
                          [&](auto& v, auto& p) {
                            keepaliveSet = v.IsDefined() && !v.IsNull() && !(v.IsScalar() && v.Scalar().empty());
                            reader.readDuration(v, p, peer.persistentKeepalive);
                          }},
                     });
  if (!keepaliveSet) peer.persistentKeepalive = defaultKeepaliveFor(peer);
}

void readDerpServer(YamlFieldReader& reader, const YAML::Node& node, const std::string& path, DerpServer& server) {
  reader.readMapping(node, path,
                     {
                         {"name", [&](auto& v, auto& p) { reader.readString(v, p, server.name); }},
                         {"url", [&](auto& v, auto& p) { reader.readString(v, p, server.url); }},
                         {"region", [&](auto& v, auto& p) { reader.readString(v, p, server.region); }},
                         {"stun_port", [&](auto& v, auto& p) { reader.readPort(v, p, server.stunPort); }},
                     });
}

void readBeacons(YamlFieldReader& reader, const YAML::Node& node, const std::string& path, BeaconsConfig& beacons) {
  DiskUsageBeacon& disk = beacons.diskUsage;
  ServiceCheckBeacon& services = beacons.serviceCheck;
  auto readDisk = [&](const YAML::Node& value, const std::string& diskPath) {
    reader.readMapping(value, diskPath,
                       {
                           {"enabled", [&](auto& v, auto& p) { reader.readBool(v, p, disk.enabled); }},
                           {"interval", [&](auto& v, auto& p) { reader.readDuration(v, p, disk.interval); }},
                           {"warning_percent", [&](auto& v, auto& p) { reader.readInteger(v, p, disk.warningPercent); }},
                           {"critical_percent", [&](auto& v, auto& p) { reader.readInteger(v, p, disk.criticalPercent); }},
                           {"paths", [&](auto& v, auto& p) { reader.readStringList(v, p, disk.paths); }},
                       });
  };
  auto readServices = [&](const YAML::Node& value, const std::string& servicePath) {
    reader.readMapping(value, servicePath,
                       {
                           {"enabled", [&](auto& v, auto& p) { reader.readBool(v, p, services.enabled); }},
                           {"interval", [&](auto& v, auto& p) { reader.readDuration(v, p, services.interval); }},
                           {"services", [&](auto& v, auto& p) { reader.readStringList(v, p, services.services); }},
                       });
  };
  auto readScripts = [&](const YAML::Node& value, const std::string& scriptsPath) {
    beacons.scripts.clear();
    reader.readSequence(value, scriptsPath, [&](const YAML::Node& item, const std::string& itemPath) {
      ScriptBeacon& script = beacons.scripts.emplace_back();
      reader.readMapping(item, itemPath,
                         {
                             {"name", [&](auto& v, auto& p) { reader.readString(v, p, script.name); }},
                             {"command", [&](auto& v, auto& p) { reader.readString(v, p, script.command); }},
                             {"interval", [&](auto& v, auto& p) { reader.readDuration(v, p, script.interval); }},
                             {"timeout", [&](auto& v, auto& p) { reader.readDuration(v, p, script.timeout); }},
                         });
    });
  };
  reader.readMapping(node, path, {{"disk_usage", readDisk}, {"service_check", readServices}, {"scripts", readScripts}});
}

void readFault(YamlFieldReader& reader, const YAML::Node& node, const std::string& path,
               std::optional<FaultInjection>& fault) {
  std::string worker;
  std::string mode;
  reader.readMapping(node, path,
                     {
                         {"worker", [&](auto& v, auto& p) { reader.readString(v, p, worker); }},
                         {"mode", [&](auto& v, auto& p) { reader.readString(v, p, mode); }},
                     });
  ConfigProblems& problems = reader.problems();
  if (problems.failed(path) || !node.IsDefined() || node.IsNull()) return;
  const auto parsedWorker = parseFaultWorker(worker);
  const auto parsedMode = parseFaultMode(mode);
  if (!parsedWorker) {
    problems.add(path + ".worker", worker.empty() ? "required: one of tunnel, forwarder, beacons, updater"
                                                  : quoteUnlessSecret(worker) + " is not one of tunnel, forwarder, beacons, updater");
  }
  if (!parsedMode) {
    problems.add(path + ".mode", mode.empty() ? "required: one of crash_at_start, hang, garbage"
                                              : quoteUnlessSecret(mode) + " is not one of crash_at_start, hang, garbage");
  }
  if (parsedWorker && parsedMode) fault = FaultInjection{*parsedWorker, *parsedMode};
}

void readTesting(YamlFieldReader& reader, const YAML::Node& node, const std::string& path, TestingConfig& testing) {
  auto duration = [&](Duration& target) {
    return [&reader, &target](const YAML::Node& v, const std::string& p) { reader.readDuration(v, p, target); };
  };
  reader.readMapping(node, path,
                     {
                         {"report_interval", duration(testing.reportInterval)},
                         {"watchdog_healthy_interval", duration(testing.watchdogHealthyInterval)},
                         {"watchdog_unhealthy_interval", duration(testing.watchdogUnhealthyInterval)},
                         {"rebuild_initial_backoff", duration(testing.rebuildInitialBackoff)},
                         {"rebuild_max_backoff", duration(testing.rebuildMaxBackoff)},
                         {"rebuild_cooldown", duration(testing.rebuildCooldown)},
                         {"rebuild_handshake_deadline", duration(testing.rebuildHandshakeDeadline)},
                         {"restart_healthy_period", duration(testing.restartHealthyPeriod)},
                         {"beacon_heartbeat_interval", duration(testing.beaconHeartbeatInterval)},
                         {"fault", [&](auto& v, auto& p) { readFault(reader, v, p, testing.fault); }},
                     });
}

void readRoot(YamlFieldReader& reader, const YAML::Node& root, AgentConfig& config, const ConfigParseOptions& options) {
  auto text = [&](std::string& target) {
    return [&reader, &target](const YAML::Node& v, const std::string& p) { reader.readString(v, p, target); };
  };
  auto list = [&](std::vector<std::string>& target) {
    return [&reader, &target](const YAML::Node& v, const std::string& p) { reader.readStringList(v, p, target); };
  };
  auto duration = [&](Duration& target) {
    return [&reader, &target](const YAML::Node& v, const std::string& p) { reader.readDuration(v, p, target); };
  };
  auto readPeers = [&](const YAML::Node& value, const std::string& path) {
    config.peers.clear();
    reader.readSequence(value, path, [&](const YAML::Node& item, const std::string& itemPath) {
      readPeer(reader, item, itemPath, config.peers.emplace_back());
    });
  };
  auto readDerpServers = [&](const YAML::Node& value, const std::string& path) {
    config.derpServers.clear();
    reader.readSequence(value, path, [&](const YAML::Node& item, const std::string& itemPath) {
      readDerpServer(reader, item, itemPath, config.derpServers.emplace_back());
    });
  };
  auto readTestingSection = [&](const YAML::Node& value, const std::string& path) {
    if (!options.acceptTestingSection) {
      reader.problems().add(path, "only accepted by test builds");
      return;
    }
    readTesting(reader, value, path, config.testing);
  };
  reader.readMapping(root, "",
                     {
                         {"private_key", text(config.privateKey)},
                         {"listen_port", [&](auto& v, auto& p) { reader.readPort(v, p, config.listenPort); }},
                         {"address", text(config.address)},
                         {"dns", list(config.dns)},
                         {"ssh_addr", text(config.sshAddr)},
                         {"peers", readPeers},
                         {"update_server_url", text(config.updateServerUrl)},
                         {"agent_token", text(config.agentToken)},
                         {"agent_token_expires_at", text(config.agentTokenExpiresAt)},
                         {"host_id", text(config.hostId)},
                         {"stun_servers", list(config.stunServers)},
                         {"endpoint_refresh", duration(config.endpointRefresh)},
                         {"cloud_api_base", text(config.cloudApiBase)},
                         {"derp_servers", readDerpServers},
                         {"derp_auto_select", [&](auto& v, auto& p) { reader.readBool(v, p, config.derpAutoSelect); }},
                         {"derp_probe_interval", duration(config.derpProbeInterval)},
                         {"beacons", [&](auto& v, auto& p) { readBeacons(reader, v, p, config.beacons); }},
                         {"testing", readTestingSection},
                     });
}

// The secrets of a config that failed to load are not registered with the logger yet (a SIGHUP with a new
// key): hide them here, and every key-shaped text, before the error reaches stderr, the log or the report.
std::string redactOwnSecrets(const AgentConfig& config, const std::string& error) {
  std::string text = error;
  for (const std::string* secret : {&config.privateKey, &config.agentToken}) {
    if (secret->size() < 8 || isKeyringReference(*secret)) continue;
    for (std::size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at)) {
      text.replace(at, secret->size(), kRedactedText);
    }
  }
  return redactKeys(text);
}

std::string baseName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool testHooksBuilt() {
#ifdef NEFIA_TEST_HOOKS
  return true;
#else
  return false;
#endif
}

ParsedConfig parseAgentConfig(std::string_view yamlText, const std::string& fileName, const ConfigParseOptions& options) {
  ParsedConfig parsed;
  parsed.sources = ConfigSourceMap(fileName);
  ConfigProblems problems(parsed.sources);
  YamlFieldReader reader(parsed.sources, problems, parsed.unknownFields);
  try {
    const std::string text(yamlText);
    const YAML::Node root = YAML::Load(text);
    if (root.IsNull()) {
      problems.add("", "the config is empty; it needs at least private_key, address and peers");
    } else if (!root.IsMap()) {
      problems.addAtLine("", lineOf(root), "the config must be a mapping of fields such as \"private_key: ...\"");
    } else if (const int secondLine = secondDocumentLine(text); secondLine > 0) {
      problems.addAtLine("", secondLine, "the file holds more than one YAML document; keep only one");
    } else {
      readRoot(reader, root, parsed.config, options);
      validateAgentConfig(parsed.config, problems);
    }
  } catch (const YAML::DeepRecursion& error) {
    // yaml-cpp reports this as "bad file"; say what is wrong instead.
    problems.addAtLine("", error.mark.is_null() ? 0 : error.mark.line + 1,
                       "YAML nesting is too deep (" + std::to_string(error.depth()) +
                           " levels of lists or mappings; agent.yaml needs at most 4): check for unclosed or "
                           "repeated [ and { brackets");
  } catch (const YAML::ParserException& error) {
    problems.addAtLine("", error.mark.is_null() ? 0 : error.mark.line + 1, "YAML syntax error: " + error.msg);
  } catch (const std::exception& error) {
    problems.add("", std::string("cannot read the config: ") + error.what());
  }
  parsed.errors = problems.messages();
  return parsed;
}

Result<LoadedConfig> loadAgentConfig(const std::string& path, const ConfigParseOptions& options) {
  auto contents = readWholeFile(path, kMaxConfigFileBytes);
  if (!contents.ok()) return makeError("cannot load config: " + contents.error());
  ParsedConfig parsed = parseAgentConfig(contents.value(), baseName(path), options);
  if (!parsed.ok()) {
    std::string message = "config " + path + " is invalid (" + std::to_string(parsed.errors.size()) +
                          (parsed.errors.size() == 1 ? " problem" : " problems") + "; fix them and retry):";
    for (const std::string& error : parsed.errors) message += "\n  " + redactOwnSecrets(parsed.config, error);
    return makeError(message);
  }
  return LoadedConfig{std::move(parsed.config), std::move(parsed.unknownFields)};
}

}  // namespace nefia
