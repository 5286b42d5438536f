// The login file's checks and JSON. The key's syntax is checked here so a pasted fragment fails at login, not at
// the first cloud call; whether the cloud accepts it is only known then.
#include "operator/cloud_login.h"

#include <sys/stat.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace nefia::hub {
namespace {

constexpr const char* kFileName = "/cloud-login.json";

bool isBase64UrlChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

Status validateCloudLogin(const CloudLogin& login) {
  const std::string& url = login.cloudApiBase;
  if (url.rfind("https://", 0) != 0 || url.size() <= 8 || url.size() > 512) {
    return makeError("--cloud " + url + ": must be an https:// URL (for example https://cloud.example.com:8443)");
  }
  for (const char c : url) {
    if (c <= ' ' || c > '~') return makeError("--cloud: the URL contains a space or a non-ASCII character");
  }
  if (url.back() == '/') return makeError("--cloud " + url + ": leave out the trailing slash");
  const std::string& key = login.apiKey;
  bool shaped = key.size() == 47 && key.rfind("nfk_", 0) == 0;
  for (std::size_t i = 4; shaped && i < key.size(); ++i) shaped = isBase64UrlChar(key[i]);
  if (!shaped) {
    return makeError("--api-key: not an API key (expected nfk_ and 43 characters, as printed by "
                     "`nefia-cloud apikey create`)");
  }
  return Status::success();
}

Status saveCloudLogin(const std::string& stateDir, const CloudLogin& login) {
  if (Status valid = validateCloudLogin(login); !valid.ok()) return valid;
  if (::mkdir(stateDir.c_str(), 0700) != 0 && errno != EEXIST) {
    return makeError("cannot create the state directory " + stateDir);
  }
  const nlohmann::json json{{"cloud_api_base", login.cloudApiBase}, {"api_key", login.apiKey}};
  return writeFileAtomically(stateDir + kFileName, json.dump(2) + "\n", 0600);
}

Result<std::optional<CloudLogin>> loadCloudLogin(const std::string& stateDir) {
  const std::string path = stateDir + kFileName;
  ReadFailure failure = ReadFailure::kNone;
  auto text = readWholeFile(path, 16 * 1024, &failure);
  if (!text.ok()) {
    if (failure == ReadFailure::kMissing) return std::optional<CloudLogin>();
    return makeError(text.error());
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    return makeError(path + " is readable by other users: chmod 600 it or run `nefia login` again");
  }
  const auto json = nlohmann::json::parse(text.value(), nullptr, false);
  if (!json.is_object() || !json.contains("cloud_api_base") || !json.contains("api_key") ||
      !json["cloud_api_base"].is_string() || !json["api_key"].is_string()) {
    return makeError(path + ": not a login file written by `nefia login`; run it again");
  }
  CloudLogin login{json["cloud_api_base"].get<std::string>(), json["api_key"].get<std::string>()};
  if (Status valid = validateCloudLogin(login); !valid.ok()) return makeError(path + ": " + valid.error());
  return std::optional<CloudLogin>(login);
}

}  // namespace nefia::hub
