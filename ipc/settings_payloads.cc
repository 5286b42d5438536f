// Strict parsers and builders for the settings payloads in settings_payloads.h.
// Never throw, never trust a field's presence or type, never copy a field's value into an error.
#include "ipc/settings_payloads.h"

#include "common/base64.h"
#include "ipc/json_fields.h"
#include "ipc/protocol_version.h"

namespace nefia::ipc {
namespace {

constexpr std::size_t kMaxAddressBytes = 300;  // "[ipv6%zone]:port" or an address with prefix
constexpr uint64_t kMaxKeepaliveMs = 65535 * 1000;  // WireGuard's keepalive is a u16 of seconds
constexpr uint64_t kMaxMtu = 65535;
constexpr uint64_t kMaxPort = 65535;

Result<std::string> readKey(const nlohmann::json& object, std::string_view field) {
  auto key = readString(object, field, 44);
  if (!key.ok() || !isBase64Key32(*key)) {
    return makeError("field \"" + std::string(field) + "\" must be a base64 WireGuard key");
  }
  return key;
}

Result<TunnelPeerSettings> parsePeer(const nlohmann::json& entry, std::size_t index) {
  const std::string where = "peers[" + std::to_string(index) + "]: ";
  if (!entry.is_object()) return makeError(where + "must be an object");
  auto publicKey = readKey(entry, "public_key");
  if (!publicKey.ok()) return makeError(where + publicKey.error());
  auto endpoint = readString(entry, "endpoint", kMaxAddressBytes);
  if (!endpoint.ok()) return makeError(where + endpoint.error());
  auto vpnAddr = readString(entry, "vpn_addr", kMaxAddressBytes);
  if (!vpnAddr.ok()) return makeError(where + vpnAddr.error());
  auto keepalive = readUnsigned(entry, "persistent_keepalive_ms", kMaxKeepaliveMs);
  if (!keepalive.ok()) return makeError(where + keepalive.error());
  return TunnelPeerSettings{std::move(publicKey.value()), std::move(endpoint.value()), std::move(vpnAddr.value()),
                            *keepalive};
}

}  // namespace

Result<uint64_t> readProtocolVersion(const nlohmann::json& object) {
  return readUnsigned(object, "protocol_version", kMaxProtocolVersion);
}

std::vector<nlohmann::json> toJsonParts(const TunnelSettings& settings, std::size_t maxPayloadBytes) {
  std::vector<nlohmann::json> peers;
  peers.reserve(settings.peers.size());
  for (const TunnelPeerSettings& peer : settings.peers) {
    peers.push_back({{"public_key", peer.publicKey},
                     {"endpoint", peer.endpoint},
                     {"vpn_addr", peer.vpnAddr},
                     {"persistent_keepalive_ms", peer.persistentKeepaliveMs}});
  }
  const nlohmann::json header = {{"protocol_version", settings.protocolVersion},
                                 {"private_key", settings.privateKey}};
  return splitIntoParts(header, "peers", peers, maxPayloadBytes);
}

nlohmann::json toJson(const ForwarderSettings& settings) {
  return {{"protocol_version", settings.protocolVersion},
          {"address", settings.address},
          {"mtu", settings.mtu},
          {"ssh_port", settings.sshPort}};
}

nlohmann::json toJson(const IdleSettings& settings) { return {{"protocol_version", settings.protocolVersion}}; }

Result<TunnelSettingsPart> parseTunnelSettingsPart(const nlohmann::json& object) {
  TunnelSettingsPart part;
  auto version = readProtocolVersion(object);
  if (!version.ok()) return makeError(version.error());
  auto number = readPartNumber(object);
  if (!number.ok()) return makeError(number.error());
  auto privateKey = readKey(object, "private_key");
  if (!privateKey.ok()) return makeError(privateKey.error());
  auto peers = readArray(object, "peers", kMaxSettingsPeers);
  if (!peers.ok()) return makeError(peers.error());
  part.number = *number;
  part.settings.protocolVersion = *version;
  part.settings.privateKey = std::move(privateKey.value());
  for (std::size_t index = 0; index < (*peers)->size(); ++index) {
    auto peer = parsePeer((**peers)[index], index);
    if (!peer.ok()) return makeError(peer.error());
    part.settings.peers.push_back(std::move(peer.value()));
  }
  return part;
}

Result<ForwarderSettings> parseForwarderSettings(const nlohmann::json& object) {
  auto version = readProtocolVersion(object);
  if (!version.ok()) return makeError(version.error());
  auto address = readString(object, "address", kMaxAddressBytes);
  if (!address.ok()) return makeError(address.error());
  auto mtu = readUnsigned(object, "mtu", kMaxMtu, 576);
  if (!mtu.ok()) return makeError(mtu.error());
  auto sshPort = readUnsigned(object, "ssh_port", kMaxPort, 1);
  if (!sshPort.ok()) return makeError(sshPort.error());
  return ForwarderSettings{*version, std::move(address.value()), *mtu, *sshPort};
}

Result<IdleSettings> parseIdleSettings(const nlohmann::json& object) {
  auto version = readProtocolVersion(object);
  if (!version.ok()) return makeError(version.error());
  return IdleSettings{*version};
}

Result<std::optional<TunnelSettings>> TunnelSettingsAssembler::add(TunnelSettingsPart&& part) {
  std::size_t total = 0;
  bool tooMany = false;
  auto whole = parts_.add(part.number, std::move(part.settings), [&](TunnelSettings& collected, TunnelSettings&& more) {
    total = collected.peers.size() + more.peers.size();
    tooMany = total > kMaxSettingsPeers;
    if (tooMany) return;
    for (TunnelPeerSettings& peer : more.peers) collected.peers.push_back(std::move(peer));
  });
  if (tooMany) {
    parts_ = PartAssembler<TunnelSettings>();
    return makeError("settings with more than " + std::to_string(kMaxSettingsPeers) + " peers");
  }
  return whole;
}

}  // namespace nefia::ipc
