// `nefia login --cloud URL --api-key KEY`: where the operator's nefia-cloud is and its API key, kept in the state
// directory as cloud-login.json (0600, atomic write) for the CLI and the hub. Never prints or logs the key.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace nefia::hub {

struct CloudLogin {
  std::string cloudApiBase;  // https://host[:port], no trailing slash
  std::string apiKey;        // nfk_ + 43 base64url characters (from `nefia-cloud apikey create`)
};

// Checks both fields; errors name the flag and say what is expected.
Status validateCloudLogin(const CloudLogin& login);
// Writes <stateDir>/cloud-login.json (creating stateDir 0700 when missing).
Status saveCloudLogin(const std::string& stateDir, const CloudLogin& login);
// The stored login, nullopt when never logged in; refuses a file readable by others.
Result<std::optional<CloudLogin>> loadCloudLogin(const std::string& stateDir);

}  // namespace nefia::hub
