// state.json (de)serialisation and the hub's secret/TLS files. The lock is flock() on state.lock: it serialises
// writers across processes; readers see either the old or the new file thanks to atomic replacement.
#include "operator/hub_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/base64.h"

namespace nefia::hub {
namespace {

using Json = nlohmann::json;
constexpr std::size_t kMaxStateBytes = 64 * 1024 * 1024;

Json toJson(const HubState& state) {
  Json hosts = Json::array();
  for (const HostRecord& host : state.hosts) {
    hosts.push_back({{"name", host.name},
                     {"os", host.os},
                     {"host_id", host.hostId},
                     {"public_key", host.publicKey},
                     {"vpn_addr", host.vpnAddr},
                     {"ssh_host_keys", host.sshHostKeys},
                     {"endpoint", host.endpoint},
                     {"local_endpoint", host.localEndpoint},
                     {"enrolled_at", host.enrolledAt},
                     {"allow_host_key_change", host.allowHostKeyChange}});
  }
  Json invites = Json::array();
  for (const PendingInvite& invite : state.invites) {
    invites.push_back({{"nonce", invite.nonce}, {"name", invite.name}, {"expires_at", invite.expiresAt}});
  }
  return {{"settings",
           {{"interface", state.settings.interfaceName},
            {"address", state.settings.address},
            {"enroll_addrs", state.settings.enrollAddresses},
            {"endpoint", state.settings.endpoint}}},
          {"hosts", hosts},
          {"invites", invites}};
}

// state.json is written only by us; a file that does not match is reported, not repaired.
Result<HubState> fromJson(const Json& json, const std::string& path) {
  HubState state;
  const auto bad = [&path](const std::string& what) {
    return makeError(path + ": " + what + "; restore it from a backup or move it away and run `nefia vpn init`");
  };
  if (!json.is_object() || !json.contains("settings") || !json["settings"].is_object()) return bad("no settings");
  const Json& settings = json["settings"];
  state.settings.interfaceName = settings.value("interface", "");
  state.settings.address = settings.value("address", "");
  state.settings.endpoint = settings.value("endpoint", "");
  state.settings.enrollAddresses = settings.value("enroll_addrs", std::vector<std::string>{});
  for (const Json& host : json.value("hosts", Json::array())) {
    if (!host.is_object()) return bad("a host entry is not an object");
    HostRecord record;
    record.name = host.value("name", "");
    record.os = host.value("os", "");
    record.hostId = host.value("host_id", "");
    record.publicKey = host.value("public_key", "");
    record.vpnAddr = host.value("vpn_addr", "");
    record.sshHostKeys = host.value("ssh_host_keys", std::vector<std::string>{});
    record.endpoint = host.value("endpoint", "");
    record.localEndpoint = host.value("local_endpoint", "");
    record.enrolledAt = host.value("enrolled_at", int64_t{0});
    record.allowHostKeyChange = host.value("allow_host_key_change", false);
    state.hosts.push_back(std::move(record));
  }
  for (const Json& invite : json.value("invites", Json::array())) {
    if (!invite.is_object()) return bad("an invite entry is not an object");
    state.invites.push_back({invite.value("nonce", ""), invite.value("name", ""), invite.value("expires_at", int64_t{0})});
  }
  return state;
}

class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

HostRecord* HubState::findHost(const std::string& name) {
  for (HostRecord& host : hosts) {
    if (host.name == name) return &host;
  }
  return nullptr;
}

Status HubFiles::ensureDirectory() const {
  const std::size_t slash = directory_.find_last_of('/');
  if (slash != std::string::npos && slash > 0) ::mkdir(directory_.substr(0, slash).c_str(), 0700);
  if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
    return makeError("cannot create the hub directory " + directory_ + ": " + std::strerror(errno) +
                     "; pass --state-dir DIR");
  }
  return Status::success();
}

Result<HubState> HubFiles::loadState() const {
  Result<std::string> text = readWholeFile(statePath(), kMaxStateBytes);
  if (!text.ok()) {
    return makeError(statePath() + " cannot be read (" + text.error() +
                     "); run `nefia vpn init --interface IF --address 10.99.0.1/24 --enroll-addr HOST` first");
  }
  const Json json = Json::parse(text.value(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return makeError(statePath() + " is not valid JSON; restore it from a backup");
  try {
    return fromJson(json, statePath());
  } catch (const nlohmann::json::exception&) {
    return makeError(statePath() + ": a field has the wrong type; restore it from a backup");
  }
}

Status HubFiles::saveState(const HubState& state) const {
  return writeFileAtomically(statePath(), toJson(state).dump(2) + "\n", 0600);
}

Status HubFiles::withStateLock(const std::function<Status()>& work) const {
  FileLock lock(directory_ + "/state.lock");
  if (!lock.held()) return makeError("cannot lock " + directory_ + "/state.lock: " + std::strerror(errno));
  return work();
}

Status HubFiles::updateState(const std::function<Status(HubState&)>& change) const {
  return withStateLock([&]() -> Status {
    Result<HubState> state = loadState();
    if (!state.ok()) return makeError(state.error());
    if (Status status = change(state.value()); !status.ok()) return status;
    return saveState(state.value());
  });
}

Result<Key32> HubFiles::loadOrCreateSecret() const {
  const std::string path = directory_ + "/hub.secret";
  Key32 secret;
  Result<std::string> text = readWholeFile(path, 1024);
  if (text.ok()) {
    std::string value = text.value();
    while (!value.empty() && value.back() == '\n') value.pop_back();
    auto bytes = base64Decode(value);
    if (!bytes || bytes->size() != secret.size()) return makeError(path + " is not base64 of 32 bytes; restore it");
    std::copy(bytes->begin(), bytes->end(), secret.data());
    sodium_memzero(bytes->data(), bytes->size());
    return secret;
  }
  randombytes_buf(secret.data(), secret.size());
  std::string encoded = base64Encode(secret.data(), secret.size()) + "\n";
  Status written = writeFileAtomically(path, encoded, 0600);
  sodium_memzero(encoded.data(), encoded.size());
  if (!written.ok()) return makeError(written.error());
  return secret;
}

Result<invite::TlsIdentity> HubFiles::loadOrCreateIdentity() const {
  const std::string certificatePath = directory_ + "/hub_cert.pem";
  const std::string keyPath = directory_ + "/hub_key.pem";
  Result<std::string> certificate = readWholeFile(certificatePath, 64 * 1024);
  Result<std::string> key = readWholeFile(keyPath, 64 * 1024);
  if (certificate.ok() && key.ok()) return invite::TlsIdentity{certificate.value(), key.value()};
  Result<invite::TlsIdentity> identity = invite::createSelfSignedIdentity("nefia-hub");
  if (!identity.ok()) return identity;
  if (Status status = writeFileAtomically(keyPath, identity->privateKeyPem, 0600); !status.ok()) {
    return makeError(status.error());
  }
  if (Status status = writeFileAtomically(certificatePath, identity->certificatePem, 0644); !status.ok()) {
    return makeError(status.error());
  }
  return identity;
}

Result<std::string> defaultHubDirectory() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return makeError("HOME is not set; pass --state-dir DIR");
  return std::string(home) + "/.nefia/operator";
}

}  // namespace nefia::hub
