// writeFileAtomically and readWholeFile: the only way the agent writes its config and health files.
// Never leaves a temp file behind on failure, never follows a symlink at the temp path (O_EXCL).
#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

Result<std::string> readWholeFile(const std::string& path, std::size_t maxBytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return makeError("cannot open " + path + ": " + errnoText());
  std::string contents;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string reason = "cannot read " + path + ": " + errnoText();
      ::close(fd);
      return makeError(reason);
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
    if (contents.size() > maxBytes) {
      ::close(fd);
      return makeError(path + " is larger than " + std::to_string(maxBytes) + " bytes");
    }
  }
  ::close(fd);
  return contents;
}

}  // namespace nefia
