// disk_usage (disk_usage.h): the statvfs child, df's percent formula, states and messages per path.
// A missing path and a hung mount are findings (unknown), never a crash or a blocked loop.
#include "workers/beacons/disk_usage.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace nefia::beacons {

uint64_t dfPercent(uint64_t totalBlocks, uint64_t freeBlocks, uint64_t availableBlocks) {
  const uint64_t used = totalBlocks >= freeBlocks ? totalBlocks - freeBlocks : 0;
  const uint64_t base = used + availableBlocks;
  if (base == 0) return 0;
  return (used * 100 + base - 1) / base;  // df rounds up, so 80.1% is shown (and judged) as 81%
}

int diskUsageProbe(const std::string& path) {
  struct statvfs info{};
  char line[160];
  int length = 0;
  if (::statvfs(path.c_str(), &info) != 0) {
    length = std::snprintf(line, sizeof line, "error %d\n", errno);
  } else {
    // A mount point sits on another device than its parent (mountpoint(1)'s test); "/" always is one.
    struct stat self{}, parent{};
    const std::string up = path + "/..";
    const bool mountPoint = path == "/" || (::stat(path.c_str(), &self) == 0 && ::stat(up.c_str(), &parent) == 0 &&
                                            (self.st_dev != parent.st_dev || self.st_ino == parent.st_ino));
    length = std::snprintf(line, sizeof line, "ok %" PRIu64 " %" PRIu64 " %" PRIu64 " %d\n",
                           static_cast<uint64_t>(info.f_blocks), static_cast<uint64_t>(info.f_bfree),
                           static_cast<uint64_t>(info.f_bavail), mountPoint ? 1 : 0);
  }
  return ::write(STDOUT_FILENO, line, static_cast<std::size_t>(length)) == length ? 0 : 1;
}

Observation diskObservation(const std::string& path, const DiskThresholds& thresholds, const ProbeOutcome& outcome,
                            Duration timeout) {
  Observation observation{ipc::BeaconKind::kDiskUsage, path, ipc::BeaconState::kUnknown, nullptr, "", ""};
  const auto seconds = std::chrono::duration<double>(timeout).count();
  char text[320];
  if (outcome.end == ProbeEnd::kTimedOut || outcome.end == ProbeEnd::kStillHung) {
    observation.reason = "timeout";
    std::snprintf(text, sizeof text, outcome.end == ProbeEnd::kTimedOut
                                         ? "statvfs did not answer within %g s (a hung mount?)"
                                         : "the previous statvfs still hangs (a hung mount?); not probed again until it ends",
                  seconds);
    observation.message = text;
    return observation;
  }
  if (outcome.end == ProbeEnd::kNotStarted) {
    observation.reason = "not_started";
    observation.message = "cannot start the probe: " + outcome.error;
    return observation;
  }
  uint64_t total = 0, freeBlocks = 0, available = 0;
  int mountPoint = 0, error = 0;
  if (std::sscanf(outcome.output.c_str(), "error %d", &error) == 1) {
    observation.reason = error == ENOENT ? "missing" : "error";
    observation.message = path + (error == ENOENT ? " does not exist" : std::string(": ") + std::strerror(error));
    return observation;
  }
  if (std::sscanf(outcome.output.c_str(), "ok %" SCNu64 " %" SCNu64 " %" SCNu64 " %d", &total, &freeBlocks, &available,
                  &mountPoint) != 4) {
    observation.reason = "error";
    observation.message = "the statvfs probe gave no answer";
    return observation;
  }
  const uint64_t percent = dfPercent(total, freeBlocks, available);
  observation.value = percent;
  observation.state = percent >= thresholds.criticalPercent  ? ipc::BeaconState::kCritical
                      : percent >= thresholds.warningPercent ? ipc::BeaconState::kWarning
                                                             : ipc::BeaconState::kOk;
  std::snprintf(text, sizeof text, "%" PRIu64 "%% used (warning at %" PRIu64 "%%, critical at %" PRIu64 "%%)%s", percent,
                thresholds.warningPercent, thresholds.criticalPercent,
                mountPoint ? "" : "; not a mount point: this is the filesystem that holds it");
  observation.message = text;
  return observation;
}

void checkDiskUsage(ProbeRunner& probes, const std::string& path, const DiskThresholds& thresholds, Duration timeout,
                    std::function<void(Observation)> done) {
  probes.start("disk_usage:" + path, timeout, [path] { return diskUsageProbe(path); },
               [path, thresholds, timeout, done = std::move(done)](ProbeOutcome outcome) {
                 done(diskObservation(path, thresholds, outcome, timeout));
               });
}

}  // namespace nefia::beacons
