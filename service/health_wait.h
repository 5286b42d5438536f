// After `systemctl enable --now`: wait until agent-health.json, written after the install began, says every
// worker is ready; otherwise say why, with the last log lines. Reads files only, never the service manager.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/config/rfc3339.h"
#include "common/health/health_report.h"

namespace nefia::service {

struct Readiness {
  bool ready = false;
  std::string reason;  // when not ready: what the last report (or its absence) said
};

// One look at a report: written at or after notBefore (a report of an earlier run does not count), with
// every worker present in state "ready".
Readiness judgeReadiness(const Result<HealthReport>& report, WallTime notBefore);

// Polls the file every 200 ms until judgeReadiness says ready or the timeout passes.
Readiness waitForWorkersReady(const std::string& healthPath, WallTime notBefore, std::chrono::milliseconds timeout);

// The last `count` lines of a text file (reads at most its last 64 KiB), control characters escaped.
std::vector<std::string> lastLines(const std::string& path, std::size_t count);

}  // namespace nefia::service
