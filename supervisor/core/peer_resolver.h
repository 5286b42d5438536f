// Resolves peer endpoints given by name (host:port) with uv_getaddrinfo, off the supervisor's loop thread,
// and retries a failed name with back-off forever: at boot the network is often not up yet.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/agent_config.h"
#include "common/uv_handle.h"

namespace nefia::supervisor {

inline constexpr auto kFirstResolveRetry = std::chrono::seconds(1);
inline constexpr auto kMaxResolveRetry = std::chrono::seconds(60);

class PeerResolver {
 public:
  // `changed` runs after a name resolved to a different address than before (send the tunnel new settings).
  PeerResolver(uv_loop_t* loop, std::function<void()> changed);
  ~PeerResolver();
  PeerResolver(const PeerResolver&) = delete;
  PeerResolver& operator=(const PeerResolver&) = delete;

  // The endpoints of `peers` from now on: names not seen before start resolving, names no longer used are
  // forgotten. IP literals need no resolution.
  void setPeers(const std::vector<PeerEntry>& peers);
  // Resolves every name again now (the watchdog's tunnel rebuild re-resolves names).
  void refreshAll();

  // The numeric endpoint to use for a configured endpoint: itself for an IP literal, the last resolved
  // address for a name, "" while a name has never resolved.
  std::string resolved(const std::string& endpoint) const;
  // Why a name has no address yet ("cannot resolve ...: Temporary failure in name resolution"), or "".
  std::string error(const std::string& endpoint) const;

 private:
  struct Name;
  void resolve(Name& name);
  void onResolved(Name& name, int status, addrinfo* results);

  uv_loop_t* loop_;
  std::function<void()> changed_;
  std::map<std::string, std::unique_ptr<Name>> names_;  // by configured endpoint ("host:port")
};

}  // namespace nefia::supervisor
