// known_hosts reading and rewriting. Every rewrite is atomic (temp file + rename) under flock on known_hosts.lock,
// so an ssh reading the file meanwhile sees the old or the new version, never a torn one.
#include "operator/known_hosts.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <sstream>

#include <openssl/sha.h>

#include "common/atomic_file.h"
#include "common/base64.h"

namespace nefia::hub {
namespace {

constexpr std::size_t kMaxKnownHostsBytes = 16 * 1024 * 1024;

std::vector<std::string> splitWords(const std::string& line) {
  std::istringstream stream(line);
  std::vector<std::string> words;
  std::string word;
  while (stream >> word) words.push_back(word);
  return words;
}

std::vector<std::string> splitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, ',')) parts.push_back(part);
  return parts;
}

bool namesAny(const std::string& line, const std::vector<std::string>& names) {
  const std::vector<std::string> words = splitWords(line);
  if (words.size() < 3 || words[0].empty() || words[0][0] == '#') return false;
  for (const std::string& host : splitCommas(words[0])) {
    if (std::find(names.begin(), names.end(), host) != names.end()) return true;
  }
  return false;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ",") + name;
  return joined;
}

class FlockGuard {
 public:
  explicit FlockGuard(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FlockGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FlockGuard(const FlockGuard&) = delete;
  FlockGuard& operator=(const FlockGuard&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string normalizeHostKey(const std::string& line) {
  const std::vector<std::string> words = splitWords(line);
  if (words.size() < 2 || (words[0].rfind("ssh-", 0) != 0 && words[0].rfind("ecdsa-", 0) != 0)) return "";
  auto blob = base64Decode(words[1]);
  if (!blob || blob->size() < 4) return "";
  return words[0] + " " + words[1];
}

std::string hostKeyFingerprint(const std::string& key) {
  const std::vector<std::string> words = splitWords(key);
  if (words.size() < 2) return "";
  auto blob = base64Decode(words[1]);
  if (!blob) return "";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(blob->data(), blob->size(), digest);
  std::string encoded = base64Encode(digest, sizeof digest);
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return "SHA256:" + encoded;
}

Result<std::vector<std::string>> KnownHosts::readLines() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return std::vector<std::string>{};
  Result<std::string> text = readWholeFile(path_, kMaxKnownHostsBytes);
  if (!text.ok()) return makeError("known_hosts " + path_ + ": " + text.error());
  std::vector<std::string> lines;
  std::istringstream stream(text.value());
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

Result<HostKeyCheck> KnownHosts::check(const std::vector<std::string>& names,
                                       const std::vector<std::string>& keys) const {
  std::shared_lock lock(mutex_);
  Result<std::vector<std::string>> lines = readLines();
  if (!lines.ok()) return makeError(lines.error());
  std::vector<std::string> recorded;
  for (const std::string& line : lines.value()) {
    if (!namesAny(line, names)) continue;
    const std::vector<std::string> words = splitWords(line);
    recorded.push_back(words[1] + " " + words[2]);
  }
  if (recorded.empty()) return HostKeyCheck::kUnknown;
  for (const std::string& key : keys) {
    if (std::find(recorded.begin(), recorded.end(), normalizeHostKey(key)) == recorded.end()) {
      return HostKeyCheck::kChanged;
    }
  }
  return HostKeyCheck::kMatches;
}

Status KnownHosts::replace(const std::vector<std::string>& names, const std::vector<std::string>& keys) {
  std::unique_lock lock(mutex_);
  FlockGuard fileLock(path_ + ".lock");
  Result<std::vector<std::string>> lines = readLines();
  if (!lines.ok()) return makeError(lines.error());
  std::string contents;
  for (const std::string& line : lines.value()) {
    if (!namesAny(line, names)) contents += line + "\n";
  }
  for (const std::string& key : keys) {
    const std::string normalized = normalizeHostKey(key);
    if (!normalized.empty()) contents += joinNames(names) + " " + normalized + "\n";
  }
  return writeFileAtomically(path_, contents, 0644);
}

Status KnownHosts::remove(const std::vector<std::string>& names) { return replace(names, {}); }

}  // namespace nefia::hub
