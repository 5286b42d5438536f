// The agent's log file: a LogSink that appends lines, rotates at a size limit, gzips and prunes old files.
// It must never crash or block the agent on a broken disk: failures are reported once to stderr.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "common/log.h"
#include "common/result.h"

namespace nefia {

// Defaults of `nefia-agent run --log-max-size/--log-max-backups/--log-max-age` (reference, "Log Rotation").
inline constexpr std::int64_t kDefaultLogMaxSizeMegabytes = 50;
inline constexpr int kDefaultLogMaxBackups = 5;
inline constexpr int kDefaultLogMaxAgeDays = 30;
inline constexpr std::uint64_t kBytesPerMegabyte = 1024 * 1024;

struct RotatingFileOptions {
  std::string path;
  std::uint64_t maxSizeBytes = kDefaultLogMaxSizeMegabytes * kBytesPerMegabyte;
  int maxBackups = kDefaultLogMaxBackups;  // 0: keep every backup (age still applies)
  int maxAgeDays = kDefaultLogMaxAgeDays;  // 0: never prune by age
  // Wall clock for backup names and age pruning; tests inject one to avoid sleeping. Empty: system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Builds options from the command-line flags, naming the flag in each error.
Result<RotatingFileOptions> rotatingFileOptionsFromFlags(std::string path, std::int64_t maxSizeMegabytes,
                                                         std::int64_t maxBackups, std::int64_t maxAgeDays);

// One writer per file: open() takes an exclusive flock on the log file, so a second sink (in this or another
// process) for the same path is refused. Not thread-safe, like Logger: call write() from one thread.
// Rotation happens when the next line would push the file past maxSizeBytes: the file is renamed to
// <stem>-<UTC timestamp><ext> and a new one is opened at once; compressing that backup and pruning old ones
// runs on a background thread so a 50 MB gzip never stalls the supervisor's event loop.
class RotatingFileSink final : public LogSink {
 public:
  // Creates missing parent directories (mode 0700) and opens or appends to the file (mode 0600; an existing
  // file with a wider mode is set to 0600, see takeNotices). A FIFO or other non-regular file is refused.
  static Result<std::shared_ptr<RotatingFileSink>> open(RotatingFileOptions options);
  ~RotatingFileSink() override;
  RotatingFileSink(const RotatingFileSink&) = delete;
  RotatingFileSink& operator=(const RotatingFileSink&) = delete;

  void write(const LogRecord& record, std::string_view formattedLine) override;

  // Rotates now, whatever the size (the size trigger calls this too).
  Status rotate();
  // Blocks until background compression and pruning have finished (tests, orderly shutdown).
  void waitForMaintenance();

  // Warnings about the file found at open (a log that other users could read, fixed or not) for the caller to
  // log once logging is set up; each is returned once.
  std::vector<std::string> takeNotices();

  const std::string& path() const { return options_.path; }
  std::uint64_t currentSize() const { return size_; }

 private:
  explicit RotatingFileSink(RotatingFileOptions options);
  std::chrono::system_clock::time_point now() const;
  Status openFile();
  // An existing log readable by group or others is set to 0600 (the log names peers and endpoints).
  void fixMode(int fd, mode_t mode);
  void startMaintenance(std::chrono::system_clock::time_point now);
  // A full disk must not flood stderr: each kind of failure is reported the first time only.
  static void reportOnce(std::atomic<bool>& alreadyReported, const std::string& problem);

  RotatingFileOptions options_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::chrono::system_clock::time_point nextReopenAttempt_{};
  std::thread maintenance_;
  std::vector<std::string> notices_;
  std::atomic<bool> writeFailureReported_{false};
  std::atomic<bool> maintenanceFailureReported_{false};
};

}  // namespace nefia
