// gzipFile: stream a finished log file through zlib's gz* API into <name>.gz, then drop the original.
// Never follows a symlink at the temp path and never deletes the source unless the .gz is durable.
#include "common/logging/gzip_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace nefia {
namespace {

// Owns one file descriptor; closes it on every return path.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errnoText() { return std::strerror(errno); }

}  // namespace

Status gzipFile(const std::string& source, const std::string& destination, mode_t mode) {
  const ScopedFd input(::open(source.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (input.get() < 0) return makeError("cannot open rotated log " + source + " for compression: " + errnoText());

  const std::string temp = destination + ".tmp";
  ::unlink(temp.c_str());  // a leftover from a crash mid-compression is incomplete by definition
  const int output = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (output < 0) return makeError("cannot create " + temp + ": " + errnoText());
  // gzclose() closes the descriptor it was given; the duplicate lets us fsync after the trailer is written.
  const ScopedFd syncHandle(::dup(output));
  gzFile compressed = ::gzdopen(output, "wb6");
  if (compressed == nullptr) {
    ::close(output);
    ::unlink(temp.c_str());
    return makeError("cannot start gzip stream for " + temp);
  }

  auto fail = [&](const std::string& reason) {
    ::unlink(temp.c_str());
    return Status(makeError(reason));
  };
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(input.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string reason = "cannot read " + source + ": " + errnoText();
      ::gzclose(compressed);
      return fail(reason);
    }
    if (n == 0) break;
    if (::gzwrite(compressed, buffer, static_cast<unsigned>(n)) != static_cast<int>(n)) {
      int zlibError = Z_OK;
      const std::string reason = "cannot write " + temp + ": " + ::gzerror(compressed, &zlibError);
      ::gzclose(compressed);
      return fail(reason);
    }
  }
  if (::gzclose(compressed) != Z_OK) return fail("cannot finish " + temp + " (disk full?)");
  if (syncHandle.get() < 0 || ::fsync(syncHandle.get()) != 0) return fail("cannot fsync " + temp + ": " + errnoText());
  if (::rename(temp.c_str(), destination.c_str()) != 0) {
    return fail("cannot rename " + temp + " to " + destination + ": " + errnoText());
  }
  if (::unlink(source.c_str()) != 0 && errno != ENOENT) {
    return makeError("compressed " + source + " but cannot remove it: " + errnoText());
  }
  return Status::success();
}

}  // namespace nefia
