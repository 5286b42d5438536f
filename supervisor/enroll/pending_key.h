// The key pair of an enrollment in progress, kept beside the config until the config is written, so an
// agent that crashed mid-enrollment retries with the same key and the hub's idempotent path accepts it.
#pragma once

#include <string>

#include "common/result.h"
#include "common/secure_buffer.h"

namespace nefia::enroll {

// "<configPath>.enrolling": mode 0600, the token's nonce and the base64 private key.
std::string pendingKeyPath(const std::string& configPath);

// The private key saved for this nonce, or a fresh one (saved before it is used). A file for another
// nonce is replaced: that enrollment was given up.
Result<Key32> loadOrCreatePendingKey(const std::string& configPath, const std::string& nonce);

// After the config is written the pending key has served its purpose.
void removePendingKey(const std::string& configPath);

}  // namespace nefia::enroll
