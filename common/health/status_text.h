// The pieces of `nefia-agent status` output that interpret numbers and times read from agent-health.json.
// Every number is bounded before arithmetic; every string passes escapeControlCharacters before printing.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/health/health_report.h"

namespace nefia {

// Largest report_interval_seconds status accepts (a day); larger values are not from an agent.
inline constexpr std::int64_t kMaxReportIntervalSeconds = 24 * 60 * 60;

// Go's Duration.String for whole seconds ("0s", "12s", "5m3s", "72h22m0s"), for the whole int64 range.
std::string formatWholeSeconds(std::int64_t seconds);

// Seconds since the Unix epoch of an RFC 3339 time, or nullopt when text is not one (or out of range).
std::optional<std::int64_t> rfc3339Seconds(const std::string& text);
std::int64_t epochSeconds(std::chrono::system_clock::time_point time);

// "2026-02-28T08:12:00Z (12s ago)", "... (5s in the future)", "never", or the escaped raw text when it is not
// a timestamp.
std::string describeTime(const std::string& rfc3339, std::chrono::system_clock::time_point now);

// The text form: the reference's block ("Health Status: ok", "VPN Connected: true", "Uptime: 72h22m0s",
// "Version:", "Rebuild Count:", "Last Rebuild:", "Goroutines:", "Config Error:" only when set), then when the
// report was written, one line per peer (STALE marked) and one per worker.
std::string formatStatusText(const HealthReport& report, std::chrono::system_clock::time_point now);

}  // namespace nefia
