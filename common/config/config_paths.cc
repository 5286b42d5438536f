// Default locations from the reference: ~/.nefia/agent.yaml and agent-health.json beside the config.
// Must never guess a home directory (no "/root" fallback): without one the caller asks for --config.
#include "common/config/config_paths.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace nefia {

Result<std::string> defaultConfigPath() {
  std::string home;
  if (const char* fromEnvironment = std::getenv("HOME"); fromEnvironment != nullptr) home = fromEnvironment;
  if (home.empty()) {
    std::vector<char> buffer(16384);
    struct passwd entry{};
    struct passwd* found = nullptr;
    if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
        found->pw_dir != nullptr) {
      home = found->pw_dir;
    }
  }
  if (home.empty()) {
    return makeError("cannot find the default config: HOME is not set and the user has no home directory; "
                     "pass --config PATH");
  }
  while (home.size() > 1 && home.back() == '/') home.pop_back();
  return (home == "/" ? std::string() : home) + "/.nefia/agent.yaml";
}


}  // namespace nefia
