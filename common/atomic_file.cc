// writeFileAtomically and readWholeFile: the only way the agent writes its config and health files.
// Never leaves a temp file behind on failure, never follows a symlink at the temp path (O_EXCL), never
// blocks on a FIFO it is asked to read.
#include "common/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>

namespace nefia {
namespace {

std::string directoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string errnoText() { return std::strerror(errno); }

}  // namespace

Status writeFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::random_device random;
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(random());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return makeError("cannot create " + temp + ": " + errnoText());
  auto fail = [&](const std::string& what) {
    const std::string reason = what + " " + temp + ": " + errnoText();
    ::close(fd);
    ::unlink(temp.c_str());
    return Status(makeError(reason));
  };
  if (::fchmod(fd, mode) != 0) return fail("cannot set mode of");
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    return makeError("cannot close " + temp + ": " + errnoText());
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = "cannot rename " + temp + " to " + path + ": " + errnoText();
    ::unlink(temp.c_str());
    return makeError(reason);
  }
  const int directory = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
  return Status::success();
}

namespace {
const char* fileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "a special file";
}
}  // namespace

Result<std::string> readWholeFile(const std::string& path, std::size_t maxBytes, ReadFailure* failure) {
  ReadFailure ignored = ReadFailure::kNone;
  ReadFailure& why = failure != nullptr ? *failure : ignored;
  why = ReadFailure::kNone;
  // O_NONBLOCK: opening a FIFO without a writer must not block; for a regular file it changes nothing.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    why = errno == ENOENT ? ReadFailure::kMissing
          : (errno == EACCES || errno == EPERM) ? ReadFailure::kPermissionDenied
                                                : ReadFailure::kOther;
    return makeError("cannot open " + path + ": " + errnoText());
  }
  struct stat info{};
  if (::fstat(fd, &info) != 0) {
    const std::string reason = "cannot stat " + path + ": " + errnoText();
    ::close(fd);
    why = ReadFailure::kOther;
    return makeError(reason);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    why = ReadFailure::kNotRegularFile;
    return makeError(path + " is " + fileKind(info.st_mode) + ", not a regular file; give the path of a regular file");
  }
  auto tooLarge = [&] {
    ::close(fd);
    why = ReadFailure::kTooLarge;
    return makeError(path + " is larger than " + std::to_string(maxBytes) + " bytes");
  };
  if (static_cast<std::uint64_t>(info.st_size) > maxBytes) return tooLarge();
  std::string contents;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string reason = "cannot read " + path + ": " + errnoText();
      ::close(fd);
      why = ReadFailure::kOther;
      return makeError(reason);
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
    if (contents.size() > maxBytes) return tooLarge();  // the file grew while we read it
  }
  ::close(fd);
  return contents;
}

std::vector<std::string> removeLeftoverTempFiles(const std::string& path) {
  std::vector<std::string> removed;
  const std::string directory = directoryOf(path);
  const std::string prefix = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1) + ".tmp.";
  DIR* listing = ::opendir(directory.c_str());
  if (listing == nullptr) return removed;
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const std::size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos || rest.find_first_not_of("0123456789.") != std::string::npos) continue;
    const long pid = std::strtol(rest.substr(0, dot).c_str(), nullptr, 10);
    if (pid <= 0) continue;
    const bool writerGone = pid == ::getpid() || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    if (!writerGone) continue;
    const std::string full = directory + "/" + name;
    struct stat info{};
    if (::lstat(full.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::unlink(full.c_str()) == 0) {
      removed.push_back(full);
    }
  }
  ::closedir(listing);
  return removed;
}

}  // namespace nefia
