// `nefia-agent status`: reads agent-health.json next to the config and prints it for people or (--json) scripts.
// Read-only: it never writes the report, never talks to the running agent, and works without root.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "common/health/health_report.h"

namespace nefia {

struct StatusOptions {
  std::string configPath;  // global --config; empty: ~/.nefia/agent.yaml
  bool json = false;       // --json: print the report as JSON instead of text
};

// Exit codes of `nefia-agent status` (1 and 2 are left to generic failures and usage errors).
inline constexpr int kStatusExitOk = 0;               // report printed and fresh (whatever its "status" says)
inline constexpr int kStatusExitReportMissing = 3;    // no agent-health.json: agent never ran with this config
inline constexpr int kStatusExitReportUnreadable = 4; // exists but cannot be read (permissions, I/O, too large)
inline constexpr int kStatusExitReportCorrupt = 5;    // not valid JSON, a wrong field type, or no valid updated_at
inline constexpr int kStatusExitReportStale = 6;      // printed, but updated_at is older than 3 x report interval

// A report counts as stale when it is older than this many report intervals.
inline constexpr int kStaleReportIntervals = 3;

// Prints the report to `out` and problems to `err`; returns one of the kStatusExit* codes.
int runStatusCommand(const StatusOptions& options, std::ostream& out, std::ostream& err,
                     std::chrono::system_clock::time_point now);

}  // namespace nefia
