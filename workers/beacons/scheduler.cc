// The beacon scheduler (scheduler.h): due times, spread first runs, skip accounting.
// Pure: time comes in as arguments, so tests drive it with a fake clock.
#include "workers/beacons/scheduler.h"

#include <algorithm>

namespace nefia::beacons {

void Scheduler::setChecks(const std::vector<CheckSpec>& specs, TimePoint now) {
  std::vector<ScheduledCheck> next;
  next.reserve(specs.size());
  std::size_t fresh = 0;
  for (const CheckSpec& spec : specs) {
    const ScheduledCheck* old = find(spec.id);
    if (old != nullptr && old->spec == spec) {
      next.push_back(*old);
      continue;
    }
    ScheduledCheck check;
    check.spec = spec;
    check.running = old != nullptr && old->running;  // a run in flight still counts against a double start
    if (old != nullptr) {
      check.runs = old->runs;
      check.skips = old->skips;
    }
    const Duration offset = kFirstRunDelay + kFirstRunSpacing * static_cast<int64_t>(fresh++);
    check.nextDue = now + std::min(offset, spec.interval);
    next.push_back(std::move(check));
  }
  checks_ = std::move(next);
}

std::vector<std::string> Scheduler::takeDue(TimePoint now) {
  std::vector<std::string> due;
  for (ScheduledCheck& check : checks_) {
    if (check.nextDue > now) continue;
    if (check.running) {
      ++check.skips;
    } else {
      check.running = true;
      ++check.runs;
      due.push_back(check.spec.id);
    }
    check.nextDue += check.spec.interval;
    // A loop that fell far behind (suspend, a stopped process) runs once, not once per missed interval.
    if (check.nextDue <= now) check.nextDue = now + check.spec.interval;
  }
  return due;
}

void Scheduler::finished(const std::string& id) {
  for (ScheduledCheck& check : checks_) {
    if (check.spec.id == id) check.running = false;
  }
}

std::optional<TimePoint> Scheduler::nextDue() const {
  std::optional<TimePoint> earliest;
  for (const ScheduledCheck& check : checks_) {
    if (!earliest || check.nextDue < *earliest) earliest = check.nextDue;
  }
  return earliest;
}

const ScheduledCheck* Scheduler::find(const std::string& id) const {
  for (const ScheduledCheck& check : checks_) {
    if (check.spec.id == id) return &check;
  }
  return nullptr;
}

}  // namespace nefia::beacons
