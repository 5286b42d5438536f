// Rotated log files ("backups"): their names, finding them on disk, compressing and pruning them.
// Only touches files whose names match <stem>-<UTC timestamp><ext>[.gz] next to the live log file.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace nefia {

// A rotated copy of the log file. For agent.log rotated at 2026-11-26 11:13:25.123 UTC the name is
// agent-2026-11-26T11-13-25.123.log, and agent-2026-11-26T11-13-25.123.log.gz once compressed
// (the same layout as Go's lumberjack, so existing log tooling keeps matching).
struct LogBackup {
  std::string path;
  std::chrono::system_clock::time_point rotatedAt;
  bool compressed = false;
};

// The uncompressed backup name for `logPath` rotated at `rotatedAt` (millisecond precision).
std::string logBackupPath(const std::string& logPath, std::chrono::system_clock::time_point rotatedAt);

// Every backup of `logPath` in its directory, newest first. A missing directory yields none.
std::vector<LogBackup> listLogBackups(const std::string& logPath);

// Which backups to delete: all beyond the newest `maxBackups`, and all rotated more than `maxAgeDays`
// before `now`. 0 means "no limit" for either, as in lumberjack. `backups` must be newest first.
std::vector<LogBackup> selectBackupsToPrune(const std::vector<LogBackup>& backups, int maxBackups, int maxAgeDays,
                                            std::chrono::system_clock::time_point now);

// Background housekeeping after a rotation (and at open): gzip every uncompressed backup, then prune.
// Returns the first failure but still attempts every file.
Status compressAndPruneLogBackups(const std::string& logPath, int maxBackups, int maxAgeDays,
                                  std::chrono::system_clock::time_point now);

}  // namespace nefia
