// formatStatusText and its helpers: the human form of agent-health.json. The file is input (another user, a
// broken disk, an old agent may have written it): numbers are bounded, strings escaped, config errors redacted.
#include "common/health/status_text.h"

#include <sstream>

#include "common/config/rfc3339.h"
#include "common/health/health_report.h"
#include "common/secret_text.h"
#include "common/terminal_text.h"

namespace nefia {
namespace {

std::string printable(const std::string& text) { return text.empty() ? "-" : escapeControlCharacters(text); }

std::string describeUptime(std::int64_t seconds) {
  if (seconds < 0) return "invalid (" + std::to_string(seconds) + ")";
  return formatWholeSeconds(seconds);
}

}  // namespace

std::string formatWholeSeconds(std::int64_t seconds) {
  // Unsigned arithmetic: INT64_MIN has no positive int64 counterpart.
  const bool negative = seconds < 0;
  const std::uint64_t magnitude =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(seconds) : static_cast<std::uint64_t>(seconds);
  const std::uint64_t hours = magnitude / 3600;
  const std::uint64_t minutes = magnitude % 3600 / 60;
  const std::uint64_t rest = magnitude % 60;
  std::string text = negative ? "-" : "";
  if (hours > 0) text += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) text += std::to_string(minutes) + "m";
  return text + std::to_string(rest) + "s";
}

std::optional<std::int64_t> rfc3339Seconds(const std::string& text) {
  Result<WallTime> parsed = parseRfc3339(text);
  if (!parsed.ok()) return std::nullopt;
  return std::chrono::floor<std::chrono::seconds>(parsed.value()).time_since_epoch().count();
}

std::int64_t epochSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
}

std::string describeTime(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  if (rfc3339.empty()) return "never";
  const auto time = rfc3339Seconds(rfc3339);
  if (!time) return escapeControlCharacters(rfc3339) + " (not an RFC 3339 time)";
  // Both are within years 1678-2262, so the difference fits easily in 64 bits.
  const std::int64_t age = epochSeconds(now) - *time;
  if (age < 0) return rfc3339 + " (" + formatWholeSeconds(-age) + " in the future)";
  return rfc3339 + " (" + formatWholeSeconds(age) + " ago)";
}

std::string formatStatusText(const HealthReport& report, std::chrono::system_clock::time_point now) {
  std::ostringstream text;
  text << "Health Status: " << printable(report.status) << "\n"
       << "VPN Connected: " << (report.vpnConnected ? "true" : "false") << "\n"
       << "Uptime: " << describeUptime(report.uptimeSeconds) << "\n"
       << "Version: " << printable(report.version) << "\n"
       << "Rebuild Count: " << report.rebuildCount << "\n"
       << "Last Rebuild: " << (report.lastRebuild.empty() ? "never" : printable(report.lastRebuild)) << "\n"
       << "Goroutines: " << report.goroutines << "\n";
  if (!report.lastConfigError.empty()) {
    // Redacted again after escaping: an escape such as \x01 adds letters that could complete a key-shaped run.
    text << "Config Error: " << redactKeys(escapeControlCharacters(redactedConfigError(report.lastConfigError))) << "\n";
  }
  text << "Report Updated: " << describeTime(report.updatedAt, now) << "\n";
  for (const PeerHealth& peer : report.peers) {
    text << "Peer " << printable(peer.vpnAddr) << "  endpoint " << printable(peer.endpoint) << "  last handshake "
         << describeTime(peer.lastHandshake, now) << (peer.stale ? "  STALE" : "");
    if (!peer.endpointError.empty()) text << "  UNRESOLVED (" << printable(peer.endpointError) << ")";
    text << "\n";
  }
  for (const BeaconCheckHealth& check : report.beacons.checks) {
    text << "Beacon " << printable(check.kind) << " " << printable(check.name) << "  " << printable(check.state)
         << "  last run " << describeTime(check.lastRun, now) << "  runs " << check.runs << "  skips " << check.skips
         << "\n";
  }
  if (!report.beacons.checks.empty() || report.beacons.queued + report.beacons.dropped > 0) {
    text << "Beacon Events: queued " << report.beacons.queued << "  delivered " << report.beacons.delivered
         << "  dropped " << report.beacons.dropped << "\n";
  }
  for (const auto& [name, worker] : report.workers) {
    text << "Worker " << printable(name) << "  pid " << worker.pid << "  " << printable(worker.state)
         << "  restarts " << worker.restarts;
    if (!worker.lastExit.empty()) text << "  last exit " << printable(worker.lastExit);
    text << "\n";
  }
  return text.str();
}

}  // namespace nefia
