// nonces.json: {"<nonce>": {"public_key": ..., "name": ..., "expires_at": ...}}. Written with mode 0600.
#include "operator/nonce_store.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace nefia::hub {
namespace {
constexpr std::size_t kMaxNonceFileBytes = 64 * 1024 * 1024;
}

Result<NonceStore> NonceStore::load(const std::string& path) {
  NonceStore store(path);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return store;
  Result<std::string> text = readWholeFile(path, kMaxNonceFileBytes);
  if (!text.ok()) return makeError("nonce store " + path + ": " + text.error());
  const nlohmann::json json = nlohmann::json::parse(text.value(), nullptr, /*allow_exceptions=*/false);
  const auto corrupt = [&path] {
    return makeError("nonce store " + path + " is corrupt; restore it from a backup (deleting it would let used " +
                     "tokens be replayed until they expire)");
  };
  if (json.is_discarded() || !json.is_object()) return corrupt();
  for (const auto& [nonce, entry] : json.items()) {
    if (!entry.is_object() || !entry.contains("public_key") || !entry["public_key"].is_string() ||
        !entry.contains("expires_at") || !entry["expires_at"].is_number_integer()) {
      return corrupt();
    }
    NonceUse use;
    use.publicKey = entry["public_key"].get<std::string>();
    use.expiresAt = entry["expires_at"].get<int64_t>();
    if (entry.contains("name") && entry["name"].is_string()) use.hostName = entry["name"].get<std::string>();
    store.uses_[nonce] = std::move(use);
  }
  return store;
}

std::optional<NonceUse> NonceStore::find(const std::string& nonce) const {
  const auto it = uses_.find(nonce);
  if (it == uses_.end()) return std::nullopt;
  return it->second;
}

Status NonceStore::record(const std::string& nonce, const NonceUse& use, int64_t nowUnix) {
  std::map<std::string, NonceUse> next;
  for (const auto& [key, value] : uses_) {
    if (value.expiresAt >= nowUnix) next.emplace(key, value);
  }
  next[nonce] = use;
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, value] : next) {
    json[key] = {{"public_key", value.publicKey}, {"name", value.hostName}, {"expires_at", value.expiresAt}};
  }
  if (Status status = writeFileAtomically(path_, json.dump(1) + "\n", 0600); !status.ok()) return status;
  uses_ = std::move(next);
  return Status::success();
}

}  // namespace nefia::hub
