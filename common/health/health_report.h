// agent-health.json: the report the supervisor writes and `nefia-agent status` (and operators) read.
// This is the only module that knows the file's shape (DESIGN.md, "Health"); nothing else parses or writes it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace nefia {

inline constexpr const char* kHealthReportFileName = "agent-health.json";
inline constexpr std::int64_t kDefaultReportIntervalSeconds = 10;
// The report holds only status data; anything far larger than this is not ours.
inline constexpr std::size_t kMaxHealthReportBytes = 4 * 1024 * 1024;

// Field names mirror the JSON keys (snake_case there, camelCase here). Every field has its zero value until
// the supervisor has data for it, and a missing JSON field reads back as that zero value.
struct WorkerHealth {
  std::int64_t pid = 0;
  std::string state;  // e.g. "starting", "ready", "stopped"
  std::uint64_t generation = 0;
  std::uint64_t restarts = 0;
  std::string lastExit;  // "signal 9", "exit 1", or "" if it never exited
  std::uint64_t rssKib = 0;
  bool operator==(const WorkerHealth&) const = default;
};

struct PeerHealth {
  std::string publicKey;  // base64; public, so it may be shown
  std::string vpnAddr;
  std::string endpoint;
  std::string lastHandshake;  // RFC 3339, "" before the first handshake
  std::uint64_t rxBytes = 0;
  std::uint64_t txBytes = 0;
  bool stale = false;
  std::string endpointError;  // why the endpoint's name does not resolve yet (retried), "" when it does
  bool operator==(const PeerHealth&) const = default;
};

struct ForwarderHealth {
  std::uint64_t activeConnections = 0;
  std::uint64_t refusedConnections = 0;
  bool sshReachable = false;
  bool operator==(const ForwarderHealth&) const = default;
};

struct SandboxHealth {
  bool seccomp = false;
  std::int64_t landlockAbi = 0;  // 0: Landlock not available or not used
  std::string workerUser;
  bool operator==(const SandboxHealth&) const = default;
};

struct BeaconCheckHealth {
  std::string kind;   // disk_usage, service_check, script
  std::string name;   // path, unit or script name
  std::string state;  // ok, warning, critical, unknown
  std::string lastRun;  // RFC 3339, "" before the first run
  std::uint64_t runs = 0;
  std::uint64_t skips = 0;  // runs not started because the previous one still ran
  bool operator==(const BeaconCheckHealth&) const = default;
};

struct BeaconsHealth {
  std::vector<BeaconCheckHealth> checks;
  std::uint64_t queued = 0;     // events waiting in the supervisor for the reactor
  std::uint64_t delivered = 0;  // acknowledged by the reactor
  std::uint64_t dropped = 0;    // oldest events dropped because the queue was full
  bool operator==(const BeaconsHealth&) const = default;
};

struct HealthReport {
  std::string status;  // "ok", "degraded" or "unhealthy"
  bool vpnConnected = false;
  std::int64_t uptimeSeconds = 0;
  std::string version;
  std::uint64_t rebuildCount = 0;
  std::string lastRebuild;  // RFC 3339 or ""
  std::int64_t goroutines = 0;  // kept for compatibility: the agent's threads across its processes
  std::string lastConfigError;  // last SIGHUP reload error, "" when the last reload succeeded
  std::string updatedAt;        // RFC 3339, when the supervisor wrote this report
  std::int64_t reportIntervalSeconds = 0;
  std::int64_t pid = 0;
  std::map<std::string, WorkerHealth> workers;  // by worker name: tunnel, forwarder, beacons, updater
  std::vector<PeerHealth> peers;
  ForwarderHealth forwarder;
  SandboxHealth sandbox;
  BeaconsHealth beacons;
  bool operator==(const HealthReport&) const = default;
};

// Every field, always present (zero values included), in the documented key order of DESIGN.md.
// last_config_error passes redactedConfigError: the report gets the log's redaction and more.
nlohmann::ordered_json toJson(const HealthReport& report);
// Pretty-printed JSON text with a trailing newline; invalid UTF-8 in strings is replaced, never thrown.
// asciiOnly: every non-ASCII character as \uXXXX (for terminals: no C1 control is printed raw).
std::string healthReportJsonText(const HealthReport& report, bool asciiOnly = false);

// A config error as it may be shown: the logger's registered secrets and every 32-byte base64 key replaced.
std::string redactedConfigError(std::string_view text);

// Parses JSON text. Missing or null fields get zero values and unknown fields are ignored (newer writers),
// but a field of the wrong type is an error naming its path, e.g. `peers[1].rx_bytes: expected an unsigned
// integer, got string`. Never throws, whatever the bytes.
Result<HealthReport> healthReportFromJson(std::string_view text);

// `<directory of configPath>/agent-health.json` ("agent-health.json" when the path has no directory).
std::string healthReportPath(const std::string& configPath);

// Atomic replacement (temp file, fsync, rename), mode 0640: the report holds no secrets, but it is the
// agent's business, not every local user's.
Status writeHealthReport(const std::string& path, const HealthReport& report);
// Errors name the path; they do not interpret it (runStatusCommand adds what to do).
Result<HealthReport> readHealthReport(const std::string& path);

}  // namespace nefia
