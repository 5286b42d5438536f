// HealthReport <-> JSON. The writer emits every field; the reader tolerates missing and unknown fields
// (older and newer agents) but never a wrong type, and never lets an exception out, whatever the input.
#include "common/health/health_report.h"

#include <exception>
#include <limits>

#include "common/log.h"
#include "common/secret_text.h"
#include "common/terminal_text.h"

namespace nefia {
namespace {

using Json = nlohmann::json;

// Reads typed fields from one JSON object; the first wrong type is recorded and later reads become no-ops.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string path, std::string& error)
      : object_(object), path_(std::move(path)), error_(error) {}

  void readString(const char* key, std::string& out) {
    if (const Json* value = find(key)) {
      if (value->is_string()) {
        out = value->get<std::string>();
      } else {
        fail(key, "a string", *value);
      }
    }
  }
  void readBool(const char* key, bool& out) {
    if (const Json* value = find(key)) {
      if (value->is_boolean()) {
        out = value->get<bool>();
      } else {
        fail(key, "true or false", *value);
      }
    }
  }
  void readSigned(const char* key, std::int64_t& out) {
    const Json* value = find(key);
    if (value == nullptr) return;
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      out = static_cast<std::int64_t>(value->get<std::uint64_t>());
    } else if (value->is_number_integer() && !value->is_number_unsigned()) {
      out = value->get<std::int64_t>();
    } else {
      fail(key, "an integer", *value);
    }
  }
  void readUnsigned(const char* key, std::uint64_t& out) {
    if (const Json* value = find(key)) {
      if (value->is_number_unsigned()) {
        out = value->get<std::uint64_t>();
      } else {
        fail(key, "a non-negative integer", *value);
      }
    }
  }
  // The nested object or array at `key`, or nullptr when it is missing, null, or of the wrong type.
  const Json* nested(const char* key, Json::value_t expected) {
    const Json* value = find(key);
    if (value == nullptr) return nullptr;
    if (value->type() != expected) {
      fail(key, expected == Json::value_t::object ? "an object" : "an array", *value);
      return nullptr;
    }
    return value;
  }
  std::string pathOf(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  const Json* find(const char* key) {
    if (!error_.empty()) return nullptr;
    const auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) return nullptr;
    return &*found;
  }
  void fail(const char* key, const char* expected, const Json& value) {
    error_ = pathOf(key) + ": expected " + expected + ", got " + value.type_name();
  }

  const Json& object_;
  std::string path_;
  std::string& error_;
};

void readWorker(const Json& object, const std::string& path, std::string& error, WorkerHealth& worker) {
  FieldReader reader(object, path, error);
  reader.readSigned("pid", worker.pid);
  reader.readString("state", worker.state);
  reader.readUnsigned("generation", worker.generation);
  reader.readUnsigned("restarts", worker.restarts);
  reader.readString("last_exit", worker.lastExit);
  reader.readUnsigned("rss_kib", worker.rssKib);
}

void readPeer(const Json& object, const std::string& path, std::string& error, PeerHealth& peer) {
  FieldReader reader(object, path, error);
  reader.readString("public_key", peer.publicKey);
  reader.readString("vpn_addr", peer.vpnAddr);
  reader.readString("endpoint", peer.endpoint);
  reader.readString("endpoint_error", peer.endpointError);
  reader.readString("last_handshake", peer.lastHandshake);
  reader.readUnsigned("rx_bytes", peer.rxBytes);
  reader.readUnsigned("tx_bytes", peer.txBytes);
  reader.readBool("stale", peer.stale);
}

void readBeacons(const Json& object, std::string& error, BeaconsHealth& beacons) {
  FieldReader reader(object, "beacons", error);
  reader.readUnsigned("queued", beacons.queued);
  reader.readUnsigned("delivered", beacons.delivered);
  reader.readUnsigned("dropped", beacons.dropped);
  const Json* checks = reader.nested("checks", Json::value_t::array);
  if (checks == nullptr) return;
  for (std::size_t index = 0; index < checks->size() && error.empty(); ++index) {
    const Json& check = (*checks)[index];
    const std::string path = "beacons.checks[" + std::to_string(index) + "]";
    if (!check.is_object()) {
      error = path + ": expected an object, got " + check.type_name();
      return;
    }
    FieldReader nested(check, path, error);
    BeaconCheckHealth& entry = beacons.checks.emplace_back();
    nested.readString("kind", entry.kind);
    nested.readString("name", entry.name);
    nested.readString("state", entry.state);
    nested.readString("last_run", entry.lastRun);
    nested.readUnsigned("runs", entry.runs);
    nested.readUnsigned("skips", entry.skips);
  }
}

void readReport(const Json& root, std::string& error, HealthReport& report) {
  FieldReader reader(root, "", error);
  reader.readString("status", report.status);
  reader.readBool("vpn_connected", report.vpnConnected);
  reader.readSigned("uptime_seconds", report.uptimeSeconds);
  reader.readString("version", report.version);
  reader.readUnsigned("rebuild_count", report.rebuildCount);
  reader.readString("last_rebuild", report.lastRebuild);
  reader.readSigned("goroutines", report.goroutines);
  reader.readString("last_config_error", report.lastConfigError);
  reader.readString("updated_at", report.updatedAt);
  reader.readSigned("report_interval_seconds", report.reportIntervalSeconds);
  reader.readSigned("pid", report.pid);
  if (const Json* workers = reader.nested("workers", Json::value_t::object)) {
    for (const auto& [name, worker] : workers->items()) {
      const std::string path = "workers." + name;
      if (!worker.is_object()) {
        if (error.empty()) error = path + ": expected an object, got " + worker.type_name();
        return;
      }
      readWorker(worker, path, error, report.workers[name]);
    }
  }
  if (const Json* peers = reader.nested("peers", Json::value_t::array)) {
    for (std::size_t index = 0; index < peers->size() && error.empty(); ++index) {
      const Json& peer = (*peers)[index];
      const std::string path = "peers[" + std::to_string(index) + "]";
      if (!peer.is_object()) {
        error = path + ": expected an object, got " + peer.type_name();
        return;
      }
      readPeer(peer, path, error, report.peers.emplace_back());
    }
  }
  if (const Json* forwarder = reader.nested("forwarder", Json::value_t::object)) {
    FieldReader nested(*forwarder, "forwarder", error);
    nested.readUnsigned("active_connections", report.forwarder.activeConnections);
    nested.readUnsigned("refused_connections", report.forwarder.refusedConnections);
    nested.readBool("ssh_reachable", report.forwarder.sshReachable);
  }
  if (const Json* sandbox = reader.nested("sandbox", Json::value_t::object)) {
    FieldReader nested(*sandbox, "sandbox", error);
    nested.readBool("seccomp", report.sandbox.seccomp);
    nested.readSigned("landlock_abi", report.sandbox.landlockAbi);
    nested.readString("worker_user", report.sandbox.workerUser);
  }
  if (const Json* beacons = reader.nested("beacons", Json::value_t::object)) {
    readBeacons(*beacons, error, report.beacons);
  }
}

}  // namespace

std::string redactedConfigError(std::string_view text) {
  // The log's redaction (registered secrets) and then every key-shaped text: a config error never needs to
  // show a key, and a new config's key is not registered while its reload fails.
  // Invalid UTF-8 is replaced first: the JSON writer's own replacement must not join two runs into a new key.
  return redactKeys(Logger::instance().redact(replaceInvalidUtf8(text)));
}

nlohmann::ordered_json toJson(const HealthReport& report) {
  nlohmann::ordered_json workers = nlohmann::ordered_json::object();
  for (const auto& [name, worker] : report.workers) {
    workers[name] = {{"pid", worker.pid},           {"state", worker.state},         {"generation", worker.generation},
                     {"restarts", worker.restarts}, {"last_exit", worker.lastExit}, {"rss_kib", worker.rssKib}};
  }
  nlohmann::ordered_json peers = nlohmann::ordered_json::array();
  for (const PeerHealth& peer : report.peers) {
    peers.push_back({{"public_key", peer.publicKey},
                     {"vpn_addr", peer.vpnAddr},
                     {"endpoint", peer.endpoint},
                     {"endpoint_error", peer.endpointError},
                     {"last_handshake", peer.lastHandshake},
                     {"rx_bytes", peer.rxBytes},
                     {"tx_bytes", peer.txBytes},
                     {"stale", peer.stale}});
  }
  nlohmann::ordered_json json;
  json["status"] = report.status;
  json["vpn_connected"] = report.vpnConnected;
  json["uptime_seconds"] = report.uptimeSeconds;
  json["version"] = report.version;
  json["rebuild_count"] = report.rebuildCount;
  json["last_rebuild"] = report.lastRebuild;
  json["goroutines"] = report.goroutines;
  json["last_config_error"] = redactedConfigError(report.lastConfigError);
  json["updated_at"] = report.updatedAt;
  json["report_interval_seconds"] = report.reportIntervalSeconds;
  json["pid"] = report.pid;
  json["workers"] = std::move(workers);
  json["peers"] = std::move(peers);
  json["forwarder"] = {{"active_connections", report.forwarder.activeConnections},
                       {"refused_connections", report.forwarder.refusedConnections},
                       {"ssh_reachable", report.forwarder.sshReachable}};
  json["sandbox"] = {{"seccomp", report.sandbox.seccomp},
                     {"landlock_abi", report.sandbox.landlockAbi},
                     {"worker_user", report.sandbox.workerUser}};
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const BeaconCheckHealth& check : report.beacons.checks) {
    checks.push_back({{"kind", check.kind},
                      {"name", check.name},
                      {"state", check.state},
                      {"last_run", check.lastRun},
                      {"runs", check.runs},
                      {"skips", check.skips}});
  }
  json["beacons"] = {{"checks", std::move(checks)},
                     {"queued", report.beacons.queued},
                     {"delivered", report.beacons.delivered},
                     {"dropped", report.beacons.dropped}};
  return json;
}

std::string healthReportJsonText(const HealthReport& report, bool asciiOnly) {
  // A config error message may quote arbitrary bytes from agent.yaml: replace invalid UTF-8, never throw.
  // asciiOnly escapes everything beyond ASCII, C1 controls included, for printing on a terminal.
  return toJson(report).dump(2, ' ', asciiOnly, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

Result<HealthReport> healthReportFromJson(std::string_view text) {
  try {
    const Json root = Json::parse(text.begin(), text.end(), nullptr, false);
    if (root.is_discarded()) return makeError("not valid JSON");
    if (!root.is_object()) return makeError(std::string("expected a JSON object, got ") + root.type_name());
    HealthReport report;
    std::string error;
    readReport(root, error, report);
    if (!error.empty()) return makeError(error);
    return report;
  } catch (const std::exception& exception) {
    // Only resource exhaustion can get here; the input has already been checked type by type.
    return makeError(std::string("cannot parse: ") + exception.what());
  }
}

}  // namespace nefia
