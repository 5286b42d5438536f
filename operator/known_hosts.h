// The operator's known_hosts for enrolled agents, in OpenSSH format ("name,10.99.0.5 ssh-ed25519 AAAA..."), with
// trust-on-first-use: a different key for a known host is reported as a possible MITM, never silently replaced.
// Concurrent readers, serialized writers (shared_mutex in the process, flock across processes).
#pragma once

#include <shared_mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace nefia::hub {

enum class HostKeyCheck { kUnknown, kMatches, kChanged };

class KnownHosts {
 public:
  explicit KnownHosts(std::string path) : path_(std::move(path)) {}

  // kUnknown: no line names any of names; kMatches: every key is on record for them; kChanged: they are on record
  // with other keys (a reinstall, or someone in the middle).
  Result<HostKeyCheck> check(const std::vector<std::string>& names, const std::vector<std::string>& keys) const;
  // Replaces every line that names any of names by one line per key.
  Status replace(const std::vector<std::string>& names, const std::vector<std::string>& keys);
  // Removes every line that names any of names.
  Status remove(const std::vector<std::string>& names);

 private:
  Result<std::vector<std::string>> readLines() const;
  const std::string path_;
  mutable std::shared_mutex mutex_;
};

// "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..." when it is a well-formed public key line, else empty.
std::string normalizeHostKey(const std::string& line);
// OpenSSH's fingerprint: "SHA256:" + unpadded base64 of SHA-256 of the key blob; empty for a malformed key.
std::string hostKeyFingerprint(const std::string& key);

}  // namespace nefia::hub
