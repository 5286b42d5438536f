// Naming, listing, compressing and pruning of rotated log files.
// Never deletes a file that does not match the backup name pattern of this very log file.
#include "common/logging/log_backups.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/logging/gzip_file.h"

namespace nefia {
namespace {

constexpr const char* kCompressedSuffix = ".gz";
constexpr std::size_t kTimestampLength = 23;  // 2026-11-26T11-13-25.123
constexpr mode_t kBackupMode = 0600;

struct LogPathParts {
  std::string directory;  // "" when the path has no slash
  std::string stem;       // file name without its extension
  std::string extension;  // ".log", or "" when the name has none
};

LogPathParts splitLogPath(const std::string& logPath) {
  LogPathParts parts;
  std::string name = logPath;
  if (const auto slash = logPath.rfind('/'); slash != std::string::npos) {
    parts.directory = logPath.substr(0, slash + 1);
    name = logPath.substr(slash + 1);
  }
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) {
    parts.stem = name;
  } else {
    parts.stem = name.substr(0, dot);
    parts.extension = name.substr(dot);
  }
  return parts;
}

std::string formatTimestamp(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto sinceEpoch = time.time_since_epoch();
  const std::time_t seconds = static_cast<std::time_t>(floor<std::chrono::seconds>(sinceEpoch).count());
  const long millis = static_cast<long>((floor<milliseconds>(sinceEpoch) - floor<std::chrono::seconds>(sinceEpoch)).count());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d-%02d-%02d.%03ld", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return text;
}

bool parseTimestamp(const std::string& text, std::chrono::system_clock::time_point& time) {
  if (text.size() != kTimestampLength) return false;
  static constexpr char kPattern[] = "dddd-dd-ddTdd-dd-dd.ddd";
  for (std::size_t i = 0; i < kTimestampLength; ++i) {
    const bool digitExpected = kPattern[i] == 'd';
    const bool isDigit = text[i] >= '0' && text[i] <= '9';
    if (digitExpected ? !isDigit : text[i] != kPattern[i]) return false;
  }
  auto number = [&](std::size_t at, std::size_t length) { return std::stoi(text.substr(at, length)); };
  std::tm utc{};
  utc.tm_year = number(0, 4) - 1900;
  utc.tm_mon = number(5, 2) - 1;
  utc.tm_mday = number(8, 2);
  utc.tm_hour = number(11, 2);
  utc.tm_min = number(14, 2);
  utc.tm_sec = number(17, 2);
  if (utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31 || utc.tm_hour > 23 || utc.tm_min > 59 ||
      utc.tm_sec > 60) {
    return false;
  }
  const std::time_t seconds = timegm(&utc);
  time = std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(number(20, 3));
  return true;
}

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string errnoText() { return std::strerror(errno); }

}  // namespace

std::string logBackupPath(const std::string& logPath, std::chrono::system_clock::time_point rotatedAt) {
  const LogPathParts parts = splitLogPath(logPath);
  return parts.directory + parts.stem + "-" + formatTimestamp(rotatedAt) + parts.extension;
}

std::vector<LogBackup> listLogBackups(const std::string& logPath) {
  const LogPathParts parts = splitLogPath(logPath);
  const std::string prefix = parts.stem + "-";
  std::vector<LogBackup> backups;
  DIR* directory = ::opendir(parts.directory.empty() ? "." : parts.directory.c_str());
  if (directory == nullptr) return backups;
  while (const dirent* entry = ::readdir(directory)) {
    std::string name = entry->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const bool compressed = endsWith(name, parts.extension + kCompressedSuffix);
    const std::string suffix = compressed ? parts.extension + kCompressedSuffix : parts.extension;
    if (!compressed && !endsWith(name, suffix)) continue;
    if (name.size() != prefix.size() + kTimestampLength + suffix.size()) continue;
    LogBackup backup;
    if (!parseTimestamp(name.substr(prefix.size(), kTimestampLength), backup.rotatedAt)) continue;
    backup.path = parts.directory + name;
    backup.compressed = compressed;
    backups.push_back(std::move(backup));
  }
  ::closedir(directory);
  std::sort(backups.begin(), backups.end(), [](const LogBackup& left, const LogBackup& right) {
    if (left.rotatedAt != right.rotatedAt) return left.rotatedAt > right.rotatedAt;
    return left.path > right.path;
  });
  return backups;
}

std::vector<LogBackup> selectBackupsToPrune(const std::vector<LogBackup>& backups, int maxBackups, int maxAgeDays,
                                            std::chrono::system_clock::time_point now) {
  const auto cutoff = now - std::chrono::hours(24) * maxAgeDays;
  std::vector<LogBackup> doomed;
  for (std::size_t index = 0; index < backups.size(); ++index) {
    const bool beyondCount = maxBackups > 0 && index >= static_cast<std::size_t>(maxBackups);
    const bool tooOld = maxAgeDays > 0 && backups[index].rotatedAt < cutoff;
    if (beyondCount || tooOld) doomed.push_back(backups[index]);
  }
  return doomed;
}

Status compressAndPruneLogBackups(const std::string& logPath, int maxBackups, int maxAgeDays,
                                  std::chrono::system_clock::time_point now) {
  Status firstFailure;
  for (const LogBackup& backup : listLogBackups(logPath)) {
    if (backup.compressed) continue;
    const std::string destination = backup.path + kCompressedSuffix;
    if (::access(destination.c_str(), F_OK) == 0) {
      // The .gz is only ever created by rename, so it is complete: the original survived a crash.
      ::unlink(backup.path.c_str());
      continue;
    }
    Status status = gzipFile(backup.path, destination, kBackupMode);
    if (!status.ok() && firstFailure.ok()) firstFailure = std::move(status);
  }
  for (const LogBackup& backup : selectBackupsToPrune(listLogBackups(logPath), maxBackups, maxAgeDays, now)) {
    if (::unlink(backup.path.c_str()) != 0 && errno != ENOENT && firstFailure.ok()) {
      firstFailure = makeError("cannot remove old log " + backup.path + ": " + errnoText());
    }
  }
  return firstFailure;
}

}  // namespace nefia
