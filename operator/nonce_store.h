// The hub's record of used invite nonces (nonces.json): which agent key used each one, until the token expires.
// Persisted atomically after every change so that a restarted hub still refuses a replayed token. Not thread-safe:
// callers hold the hub's state lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"

namespace nefia::hub {

struct NonceUse {
  std::string publicKey;  // the agent key that consumed the nonce (idempotent retries present the same one)
  std::string hostName;
  int64_t expiresAt = 0;  // kept until then; afterwards the token itself is refused as expired
  bool operator==(const NonceUse&) const = default;
};

class NonceStore {
 public:
  // A missing file is an empty store; an unreadable or corrupt one is an error (never silently forget nonces).
  static Result<NonceStore> load(const std::string& path);

  std::optional<NonceUse> find(const std::string& nonce) const;
  // Records nonce, drops entries that expired before nowUnix, and replaces the file atomically.
  Status record(const std::string& nonce, const NonceUse& use, int64_t nowUnix);

 private:
  explicit NonceStore(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::map<std::string, NonceUse> uses_;
};

}  // namespace nefia::hub
