// runStatusCommand: locate, read, validate and print agent-health.json; every failure says what to do next.
// Must never modify the report or block on the agent: a hung agent is exactly what status has to reveal.
#include "agent/commands/status_command.h"

#include <cstdlib>
#include <optional>

#include "common/atomic_file.h"
#include "common/health/status_text.h"
#include "common/secret_text.h"
#include "common/terminal_text.h"

namespace nefia {
namespace {

constexpr const char* kDefaultConfigRelativeToHome = "/.nefia/agent.yaml";

std::string runHint(const std::string& configPath) {
  return "start it with \"nefia-agent run --config " + configPath + "\" or start its service";
}

// What to do about a report that cannot be read depends on why.
std::string unreadableHint(ReadFailure failure, const std::string& path) {
  switch (failure) {
    case ReadFailure::kPermissionDenied:
      return "Run status as the user the agent runs as (or as root).";
    case ReadFailure::kNotRegularFile:
    case ReadFailure::kTooLarge:
      return "The agent never writes such a file: remove " + path + " (the agent writes a new report within seconds).";
    default:
      return "Check the disk and the file system, then retry.";
  }
}

// The report's own interval, checked: 0 means "not reported" (the default applies); beyond the bound the
// number is not from an agent.
Result<std::int64_t> reportInterval(const HealthReport& report) {
  if (report.reportIntervalSeconds == 0) return kDefaultReportIntervalSeconds;
  if (report.reportIntervalSeconds < 0 || report.reportIntervalSeconds > kMaxReportIntervalSeconds) {
    return makeError("report_interval_seconds: " + std::to_string(report.reportIntervalSeconds) +
                     " is out of range (1-" + std::to_string(kMaxReportIntervalSeconds) + ")");
  }
  return report.reportIntervalSeconds;
}

// Exit code and message for a report whose updated_at is too far from now, in either direction: after the clock
// steps back, a hung agent's last report lies in the future and must not look fresh.
int checkFreshness(const std::string& path, const std::string& configPath, const HealthReport& report,
                   std::int64_t updatedAt, std::int64_t interval, std::int64_t now, std::ostream& err) {
  const std::int64_t limit = interval * kStaleReportIntervals;
  const std::int64_t age = now - updatedAt;
  if (age > limit) {
    err << "nefia-agent status: health report " << path << " is stale: last updated " << report.updatedAt << " ("
        << formatWholeSeconds(age) << " ago) although the agent writes it every " << interval
        << "s. The agent is stopped or hung: check its log and service, or " << runHint(configPath) << ".\n";
    return kStatusExitReportStale;
  }
  if (-age > limit) {
    err << "nefia-agent status: health report " << path << " is stale: last updated " << report.updatedAt << ", "
        << formatWholeSeconds(-age) << " in the future, although the agent writes it every " << interval
        << "s. The system clock was set back since (an agent that still ran would have written a newer report), "
           "or the file is not the agent's: check the agent's log and service, or "
        << runHint(configPath) << ".\n";
    return kStatusExitReportStale;
  }
  return kStatusExitOk;
}

}  // namespace

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

  ReadFailure failure = ReadFailure::kNone;
  Result<std::string> text = readWholeFile(path, kMaxHealthReportBytes, &failure);
  if (!text.ok() && failure == ReadFailure::kMissing) {
    err << "nefia-agent status: no health report at " << path << ": the agent has not written one for config "
        << configPath << ". Is the agent running? " << runHint(configPath)
        << ". If it runs with another config, pass that with --config.\n";
    return kStatusExitReportMissing;
  }
  if (!text.ok()) {
    err << "nefia-agent status: cannot read health report: " << escapeControlCharacters(text.error()) << ". "
        << unreadableHint(failure, path) << "\n";
    return kStatusExitReportUnreadable;
  }
  Result<HealthReport> report = healthReportFromJson(text.value());
  std::string problem;
  std::optional<std::int64_t> updatedAt;
  std::int64_t interval = kDefaultReportIntervalSeconds;
  if (!report.ok()) {
    problem = report.error();
  } else if (updatedAt = rfc3339Seconds(report->updatedAt); !updatedAt) {
    problem = "updated_at: missing or not an RFC 3339 timestamp in years 1678-2261 (\"" + report->updatedAt + "\")";
  } else if (auto checked = reportInterval(report.value()); !checked.ok()) {
    problem = checked.error();
  } else {
    interval = checked.value();
  }
  if (!problem.empty()) {
    err << "nefia-agent status: health report " << path << " is corrupt: " << escapeControlCharacters(redactKeys(problem))
        << ". The agent rewrites it every few seconds: retry in a moment; if this persists, restart the agent ("
        << runHint(configPath) << ").\n";
    return kStatusExitReportCorrupt;
  }

  if (options.json) {
    out << healthReportJsonText(report.value(), /*asciiOnly=*/true);
  } else {
    out << formatStatusText(report.value(), now);
  }
  return checkFreshness(path, configPath, report.value(), *updatedAt, interval, epochSeconds(now), err);
}

}  // namespace nefia
