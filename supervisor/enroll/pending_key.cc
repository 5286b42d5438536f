// Pending enrollment key: written atomically (0600) before the hub sees the public key, read back on retry,
// removed once the config holds the key. Never logs the key.
#include "supervisor/enroll/pending_key.h"

#include <unistd.h>

#include <algorithm>

#include "common/atomic_file.h"
#include "common/base64.h"
#include "common/x25519_keys.h"

namespace nefia::enroll {

std::string pendingKeyPath(const std::string& configPath) { return configPath + ".enrolling"; }

Result<Key32> loadOrCreatePendingKey(const std::string& configPath, const std::string& nonce) {
  const std::string path = pendingKeyPath(configPath);
  if (Result<std::string> saved = readWholeFile(path, 4096); saved.ok()) {
    const std::string& text = saved.value();
    const auto newline = text.find('\n');
    if (newline != std::string::npos && text.substr(0, newline) == nonce) {
      std::string keyText = text.substr(newline + 1);
      keyText.erase(std::remove(keyText.begin(), keyText.end(), '\n'), keyText.end());
      auto bytes = base64Decode(keyText);
      if (bytes && bytes->size() == Key32::size()) {
        Key32 key;
        std::copy(bytes->begin(), bytes->end(), key.data());
        return key;
      }
    }
  }
  const Key32 key = x25519::generatePrivateKey();
  const std::string contents = nonce + "\n" + base64Encode(key.data(), key.size()) + "\n";
  if (Status written = writeFileAtomically(path, contents, 0600); !written.ok()) {
    return makeError("cannot keep the enrollment key: " + written.error());
  }
  return key;
}

void removePendingKey(const std::string& configPath) { ::unlink(pendingKeyPath(configPath).c_str()); }

}  // namespace nefia::enroll
