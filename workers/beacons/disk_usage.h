// disk_usage: statvfs of one configured path in an abandonable child (a hung mount blocks in the kernel),
// percent used as df computes it, thresholds to a state. The parsing and the mapping are pure.
#pragma once

#include <cstdint>
#include <string>

#include "workers/beacons/probe_runner.h"
#include "workers/beacons/state_tracker.h"

namespace nefia::beacons {

struct DiskThresholds {
  uint64_t warningPercent = 80;
  uint64_t criticalPercent = 90;
};

// df's "Use%": used / (used + available to unprivileged users), rounded up; 0 for an empty filesystem.
uint64_t dfPercent(uint64_t totalBlocks, uint64_t freeBlocks, uint64_t availableBlocks);

// The child's body: statvfs(path) (and whether it is a mount point) written as one line to stdout.
int diskUsageProbe(const std::string& path);
// Reads that line (or a timeout) into the beacon's observation.
Observation diskObservation(const std::string& path, const DiskThresholds& thresholds, const ProbeOutcome& outcome,
                            Duration timeout);

// Runs one disk_usage check: probe, then `done` with the observation.
void checkDiskUsage(ProbeRunner& probes, const std::string& path, const DiskThresholds& thresholds, Duration timeout,
                    std::function<void(Observation)> done);

}  // namespace nefia::beacons
