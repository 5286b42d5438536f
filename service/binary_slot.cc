// installBinarySlot: copy with fsync and rename, never a half-written binary at the path the service runs;
// the `current` link is swapped with rename(2), so a starting service sees the old or the new version.
#include "service/binary_slot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/unique_fd.h"

namespace nefia::service {
namespace {

std::string errnoText() { return std::strerror(errno); }

bool sameContents(const std::string& first, const std::string& second) {
  std::ifstream a(first, std::ios::binary);
  std::ifstream b(second, std::ios::binary);
  if (!a || !b) return false;
  return std::equal(std::istreambuf_iterator<char>(a), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(b), std::istreambuf_iterator<char>());
}

Status copyAtomically(const std::string& source, const std::string& target) {
  const std::string temporary = target + ".tmp." + std::to_string(::getpid());
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return makeError("cannot read " + source + ": " + errnoText());
  UniqueFd out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755));
  if (!out) return makeError("cannot create " + temporary + ": " + errnoText());
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(in.get(), buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0 || ::write(out.get(), buffer, static_cast<size_t>(got)) != got) {
      const std::string error = errnoText();
      ::unlink(temporary.c_str());
      return makeError("cannot copy " + source + " to " + temporary + ": " + error);
    }
  }
  if (::fchmod(out.get(), 0755) != 0 || ::fsync(out.get()) != 0 || ::rename(temporary.c_str(), target.c_str()) != 0) {
    const std::string error = errnoText();
    ::unlink(temporary.c_str());
    return makeError("cannot put the binary at " + target + ": " + error);
  }
  return Status::success();
}

}  // namespace

Result<BinarySlotOutcome> installBinarySlot(const std::string& sourceBinary, const std::string& stateDirectory,
                                            const std::string& version) {
  BinarySlotOutcome outcome;
  const std::string versionDirectory = stateDirectory + "/" + version;
  outcome.versionedPath = versionDirectory + "/nefia-agent";
  std::error_code error;
  std::filesystem::create_directories(versionDirectory, error);
  if (error) return makeError("cannot create " + versionDirectory + ": " + error.message());
  ::chmod(stateDirectory.c_str(), 0755);
  if (!sameContents(sourceBinary, outcome.versionedPath)) {
    Status copied = copyAtomically(sourceBinary, outcome.versionedPath);
    if (!copied.ok()) return makeError(copied.error());
    outcome.changed = true;
  }
  const std::string link = stateDirectory + "/current";
  char target[4096];
  const ssize_t length = ::readlink(link.c_str(), target, sizeof target - 1);
  if (length > 0 && std::string(target, static_cast<size_t>(length)) == version) return outcome;
  const std::string temporaryLink = link + ".tmp." + std::to_string(::getpid());
  ::unlink(temporaryLink.c_str());
  if (::symlink(version.c_str(), temporaryLink.c_str()) != 0 || ::rename(temporaryLink.c_str(), link.c_str()) != 0) {
    const std::string why = errnoText();
    ::unlink(temporaryLink.c_str());
    return makeError("cannot point " + link + " at " + version + ": " + why);
  }
  outcome.changed = true;
  return outcome;
}

}  // namespace nefia::service
