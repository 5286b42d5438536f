// When each beacon check runs: an interval per check, first runs spread shortly after start, never two
// runs of one check at once (a run due while the previous one still runs is skipped and counted). Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nefia::beacons {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

// The first check runs kFirstRunDelay after start, each further one kFirstRunSpacing later (never later
// than its own interval), so a restart does not fork every check in the same millisecond.
inline constexpr Duration kFirstRunDelay{1000};
inline constexpr Duration kFirstRunSpacing{250};

struct CheckSpec {
  std::string id;  // unique: "script:backup", "disk_usage:/home", "service_check"
  Duration interval;
  bool operator==(const CheckSpec&) const = default;
};

struct ScheduledCheck {
  CheckSpec spec;
  TimePoint nextDue;
  bool running = false;
  uint64_t runs = 0;
  uint64_t skips = 0;
};

class Scheduler {
 public:
  // Replaces the checks. A check whose id and interval stay keeps its timing and counters; a new or
  // changed one gets a spread first run from `now`.
  void setChecks(const std::vector<CheckSpec>& specs, TimePoint now);
  // The ids to start now, in configuration order; each is marked running and counted as a run. A check
  // due while still running is not returned: its skip counter grows instead.
  std::vector<std::string> takeDue(TimePoint now);
  // The run of `id` ended (unknown ids are ignored: the check may have been removed meanwhile).
  void finished(const std::string& id);
  // The earliest time anything is due, or nothing without checks.
  std::optional<TimePoint> nextDue() const;
  const std::vector<ScheduledCheck>& checks() const { return checks_; }
  const ScheduledCheck* find(const std::string& id) const;

 private:
  std::vector<ScheduledCheck> checks_;
};

}  // namespace nefia::beacons
