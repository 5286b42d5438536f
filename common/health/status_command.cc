// runStatusCommand: locate, read, validate and print agent-health.json; every failure says what to do next.
// Must never modify the report or block on the agent: a hung agent is exactly what status has to reveal.
#include "common/health/status_command.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/atomic_file.h"
#include "common/config/go_duration.h"
#include "common/config/rfc3339.h"

namespace nefia {
namespace {

constexpr const char* kDefaultConfigRelativeToHome = "/.nefia/agent.yaml";

std::string orDash(const std::string& text) { return text.empty() ? "-" : text; }

std::optional<std::chrono::system_clock::time_point> parseTime(const std::string& text) {
  Result<WallTime> parsed = parseRfc3339(text);
  if (!parsed.ok()) return std::nullopt;
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(parsed.value());
}

// "2026-02-28T08:12:00Z (12s ago)", "never", or the raw text when it is not a timestamp.
std::string describeTime(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  if (rfc3339.empty()) return "never";
  const auto time = parseTime(rfc3339);
  if (!time) return rfc3339;
  const auto age = std::chrono::floor<std::chrono::seconds>(now - *time);
  return rfc3339 + " (" + formatGoDuration(age < std::chrono::seconds::zero() ? std::chrono::seconds::zero() : age) +
         " ago)";
}

std::string runHint(const std::string& configPath) {
  return "start it with \"nefia-agent run --config " + configPath + "\" or start its service";
}

}  // namespace

std::string formatStatusText(const HealthReport& report, std::chrono::system_clock::time_point now) {
  std::ostringstream text;
  text << "Health Status: " << orDash(report.status) << "\n"
       << "VPN Connected: " << (report.vpnConnected ? "true" : "false") << "\n"
       << "Uptime: " << formatGoDuration(std::chrono::seconds(report.uptimeSeconds)) << "\n"
       << "Version: " << orDash(report.version) << "\n"
       << "Rebuild Count: " << report.rebuildCount << "\n"
       << "Last Rebuild: " << (report.lastRebuild.empty() ? "never" : report.lastRebuild) << "\n"
       << "Goroutines: " << report.goroutines << "\n";
  if (!report.lastConfigError.empty()) text << "Config Error: " << report.lastConfigError << "\n";
  text << "Report Updated: " << describeTime(report.updatedAt, now) << "\n";
  for (const PeerHealth& peer : report.peers) {
    text << "Peer " << orDash(peer.vpnAddr) << "  endpoint " << orDash(peer.endpoint) << "  last handshake "
         << describeTime(peer.lastHandshake, now) << (peer.stale ? "  STALE" : "");
    if (!peer.endpointError.empty()) text << "  UNRESOLVED (" << peer.endpointError << ")";
    text << "\n";
  }
  for (const auto& [name, worker] : report.workers) {
    text << "Worker " << name << "  pid " << worker.pid << "  " << orDash(worker.state) << "  restarts "
         << worker.restarts;
    if (!worker.lastExit.empty()) text << "  last exit " << worker.lastExit;
    text << "\n";
  }
  return text.str();
}

int runStatusCommand(const StatusOptions& options, std::ostream& out, std::ostream& err,
                     std::chrono::system_clock::time_point now) {
  std::string configPath = options.configPath;
  if (configPath.empty()) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
      err << "nefia-agent status: HOME is not set, so the default config ~/.nefia/agent.yaml cannot be found; "
             "pass --config <path to agent.yaml>\n";
      return kStatusExitReportMissing;
    }
    configPath = std::string(home) + kDefaultConfigRelativeToHome;
  }
  const std::string path = healthReportPath(configPath);

  struct stat info{};
  if (::stat(path.c_str(), &info) != 0 && errno == ENOENT) {
    err << "nefia-agent status: no health report at " << path << ": the agent has not written one for config "
        << configPath << ". Is the agent running? " << runHint(configPath)
        << ". If it runs with another config, pass that with --config.\n";
    return kStatusExitReportMissing;
  }
  Result<std::string> text = readWholeFile(path, kMaxHealthReportBytes);
  if (!text.ok()) {
    err << "nefia-agent status: cannot read health report: " << text.error()
        << ". Run status as the user the agent runs as (or as root).\n";
    return kStatusExitReportUnreadable;
  }
  Result<HealthReport> report = healthReportFromJson(text.value());
  const auto updatedAt = report.ok() ? parseTime(report->updatedAt) : std::nullopt;
  if (!report.ok() || !updatedAt) {
    const std::string problem =
        report.ok() ? "updated_at: missing or not an RFC 3339 timestamp (\"" + report->updatedAt + "\")" : report.error();
    err << "nefia-agent status: health report " << path << " is corrupt: " << problem
        << ". The agent rewrites it every few seconds: retry in a moment; if this persists, restart the agent ("
        << runHint(configPath) << ").\n";
    return kStatusExitReportCorrupt;
  }

  if (options.json) {
    out << healthReportJsonText(report.value());
  } else {
    out << formatStatusText(report.value(), now);
  }

  const std::int64_t interval =
      report->reportIntervalSeconds > 0 ? report->reportIntervalSeconds : kDefaultReportIntervalSeconds;
  const auto age = std::chrono::floor<std::chrono::seconds>(now - *updatedAt);
  if (age > std::chrono::seconds(interval) * kStaleReportIntervals) {
    err << "nefia-agent status: health report " << path << " is stale: last updated " << report->updatedAt << " ("
        << formatGoDuration(age) << " ago) although the agent writes it every " << interval
        << "s. The agent is stopped or hung: check its log and service, or " << runHint(configPath) << ".\n";
    return kStatusExitReportStale;
  }
  return kStatusExitOk;
}

}  // namespace nefia
