// RotatingFileSink: append, rotate by size (rename + reopen), then gzip and prune on a helper thread.
// Never throws out of write() and never lets a disk problem stop the agent; lines that cannot be written are lost.
#include "common/logging/rotating_file_sink.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "common/logging/log_backups.h"

namespace nefia {
namespace {

constexpr mode_t kLogFileMode = 0600;
constexpr mode_t kLogDirectoryMode = 0700;
// After the log file could not be reopened (directory removed, disk full) try again this often.
constexpr std::chrono::seconds kReopenRetryInterval{30};

std::string errnoText() { return std::strerror(errno); }

// mkdir -p for the directory part of `path`; only directories created here get kLogDirectoryMode.
Status createParentDirectories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string directory = path.substr(0, slash);
    if (::mkdir(directory.c_str(), kLogDirectoryMode) != 0 && errno != EEXIST) {
      return makeError("cannot create log directory " + directory + ": " + errnoText() +
                       "; create it or choose another --log-file");
    }
  }
  return Status::success();
}

}  // namespace

Result<RotatingFileOptions> rotatingFileOptionsFromFlags(std::string path, std::int64_t maxSizeMegabytes,
                                                         std::int64_t maxBackups, std::int64_t maxAgeDays) {
  constexpr std::int64_t kLargestSizeMegabytes = 1024 * 1024;  // 1 TiB: anything above is a typo
  if (path.empty()) return makeError("--log-file: empty path; give a file path or leave the flag out");
  if (maxSizeMegabytes < 1 || maxSizeMegabytes > kLargestSizeMegabytes) {
    return makeError("--log-max-size: " + std::to_string(maxSizeMegabytes) + " is out of range; give 1 to " +
                     std::to_string(kLargestSizeMegabytes) + " (MB, default 50)");
  }
  if (maxBackups < 0 || maxBackups > 100000) {
    return makeError("--log-max-backups: " + std::to_string(maxBackups) +
                     " is out of range; give 0 (keep all) to 100000 (default 5)");
  }
  if (maxAgeDays < 0 || maxAgeDays > 100000) {
    return makeError("--log-max-age: " + std::to_string(maxAgeDays) +
                     " is out of range; give 0 (no age limit) to 100000 days (default 30)");
  }
  RotatingFileOptions options;
  options.path = std::move(path);
  options.maxSizeBytes = static_cast<std::uint64_t>(maxSizeMegabytes) * kBytesPerMegabyte;
  options.maxBackups = static_cast<int>(maxBackups);
  options.maxAgeDays = static_cast<int>(maxAgeDays);
  return options;
}

RotatingFileSink::RotatingFileSink(RotatingFileOptions options) : options_(std::move(options)) {}

RotatingFileSink::~RotatingFileSink() {
  waitForMaintenance();
  if (fd_ >= 0) ::close(fd_);
}

Result<std::shared_ptr<RotatingFileSink>> RotatingFileSink::open(RotatingFileOptions options) {
  if (options.path.empty()) return makeError("log file path is empty; pass --log-file <path>");
  if (options.maxSizeBytes == 0) return makeError("log file " + options.path + ": maximum size must be positive");
  std::shared_ptr<RotatingFileSink> sink(new RotatingFileSink(std::move(options)));
  if (Status status = sink->openFile(); !status.ok()) return Error{status.error()};
  // Finish what a previous run left behind (an uncompressed backup, files past their age).
  sink->startMaintenance(sink->now());
  return sink;
}

std::chrono::system_clock::time_point RotatingFileSink::now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

Status RotatingFileSink::openFile() {
  if (Status status = createParentDirectories(options_.path); !status.ok()) return status;
  // O_NONBLOCK: a FIFO at the path must not block the open (it is refused below); cleared again for writes.
  const int fd = ::open(options_.path.c_str(),
                        O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, kLogFileMode);
  if (fd < 0) {
    // A FIFO without a reader refuses a non-blocking writer with ENXIO.
    if (errno == ENXIO) return makeError("log file " + options_.path + " is not a regular file; choose another --log-file");
    return makeError("cannot open log file " + options_.path + ": " + errnoText() +
                     "; check the directory's permissions or choose another --log-file");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const bool busy = errno == EWOULDBLOCK;
    const std::string reason = errnoText();
    ::close(fd);
    if (busy) {
      return makeError("log file " + options_.path +
                       " is already being written by another nefia-agent (one writer per file); stop it or "
                       "choose another --log-file");
    }
    return makeError("cannot lock log file " + options_.path + ": " + reason);
  }
  struct stat info{};
  if (::fstat(fd, &info) != 0) {
    const std::string reason = errnoText();
    ::close(fd);
    return makeError("cannot stat log file " + options_.path + ": " + reason);
  }
  // A character device (/dev/null, /dev/stderr) is a deliberate choice; a FIFO or socket could block the agent.
  if (!S_ISREG(info.st_mode) && !S_ISCHR(info.st_mode)) {
    ::close(fd);
    return makeError("log file " + options_.path + " is not a regular file; choose another --log-file");
  }
  ::fcntl(fd, F_SETFL, O_APPEND);
  if (S_ISREG(info.st_mode)) fixMode(fd, info.st_mode);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  size_ = static_cast<std::uint64_t>(info.st_size);
  return Status::success();
}

void RotatingFileSink::fixMode(int fd, mode_t mode) {
  if ((mode & 077) == 0) return;
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  if (::fchmod(fd, kLogFileMode) == 0) {
    notices_.push_back("log file " + options_.path + " had mode " + text +
                       " (other users could read the agent's log); changed it to 0600");
  } else {
    notices_.push_back("log file " + options_.path + " has mode " + text + " and its mode cannot be changed (" +
                       errnoText() + "): other users can read the agent's log; run: chmod 600 " + options_.path);
  }
}

std::vector<std::string> RotatingFileSink::takeNotices() { return std::exchange(notices_, {}); }

void RotatingFileSink::write(const LogRecord&, std::string_view formattedLine) {
  if (fd_ < 0) {
    const auto current = now();
    if (current < nextReopenAttempt_) return;
    if (Status status = openFile(); !status.ok()) {
      nextReopenAttempt_ = current + kReopenRetryInterval;
      return;
    }
  }
  const std::uint64_t lineBytes = formattedLine.size() + 1;
  // An empty file is never rotated: a single line longer than the limit is kept whole in a file of its own.
  if (size_ > 0 && size_ + lineBytes > options_.maxSizeBytes) {
    if (Status status = rotate(); !status.ok()) reportOnce(writeFailureReported_, status.error());
    if (fd_ < 0) return;
  }
  char newline = '\n';
  iovec parts[2] = {{const_cast<char*>(formattedLine.data()), formattedLine.size()}, {&newline, 1}};
  std::uint64_t written = 0;
  while (written < lineBytes) {
    // Skip what the previous partial writev already wrote.
    iovec remaining[2];
    int count = 0;
    std::uint64_t skip = written;
    for (const iovec& part : parts) {
      if (skip >= part.iov_len) {
        skip -= part.iov_len;
        continue;
      }
      remaining[count++] = {static_cast<char*>(part.iov_base) + skip, part.iov_len - skip};
      skip = 0;
    }
    const ssize_t n = ::writev(fd_, remaining, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      reportOnce(writeFailureReported_, "cannot write log file " + options_.path + ": " + errnoText());
      break;
    }
    written += static_cast<std::uint64_t>(n);
  }
  size_ += written;
}

Status RotatingFileSink::rotate() {
  const auto rotatedAt = now();
  // Two rotations within one millisecond (possible with an injected clock) must not overwrite a backup.
  auto stamp = rotatedAt;
  std::string backup = logBackupPath(options_.path, stamp);
  while (::access(backup.c_str(), F_OK) == 0 || ::access((backup + ".gz").c_str(), F_OK) == 0) {
    stamp += std::chrono::milliseconds(1);
    backup = logBackupPath(options_.path, stamp);
  }
  // Rename while still holding the lock on the old file so no second writer can slip in between.
  if (::rename(options_.path.c_str(), backup.c_str()) != 0 && errno != ENOENT) {
    return makeError("cannot rotate log file " + options_.path + " to " + backup + ": " + errnoText() +
                     "; logging continues in the current file");
  }
  if (Status status = openFile(); !status.ok()) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    nextReopenAttempt_ = rotatedAt + kReopenRetryInterval;
    return status;
  }
  startMaintenance(rotatedAt);
  return Status::success();
}

void RotatingFileSink::startMaintenance(std::chrono::system_clock::time_point now) {
  waitForMaintenance();
  auto work = [this, path = options_.path, maxBackups = options_.maxBackups, maxAgeDays = options_.maxAgeDays,
               now] {
    if (Status status = compressAndPruneLogBackups(path, maxBackups, maxAgeDays, now); !status.ok()) {
      reportOnce(maintenanceFailureReported_, status.error());
    }
  };
  try {
    maintenance_ = std::thread(work);
  } catch (const std::system_error&) {
    work();  // no thread available (resource limits): do it inline rather than not at all
  }
}

void RotatingFileSink::waitForMaintenance() {
  if (maintenance_.joinable()) maintenance_.join();
}

void RotatingFileSink::reportOnce(std::atomic<bool>& alreadyReported, const std::string& problem) {
  if (alreadyReported.exchange(true)) return;
  std::fprintf(stderr, "nefia-agent: %s (further log file errors of this kind are not shown)\n", problem.c_str());
}

}  // namespace nefia
