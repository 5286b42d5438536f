// The `configure` settings each worker role gets: only what that role needs, endpoints already resolved.
// The tunnel's settings carry the private key: never log them (the logger redacts it as a registered secret).
#pragma once

#include "common/config/agent_config.h"
#include "common/result.h"
#include "ipc/message_types.h"
#include "ipc/settings_payloads.h"

namespace nefia::supervisor {

class PeerResolver;

// What retrying cannot fix in the tunnel's part of the config (an endpoint that is not host:port, a keyring
// reference): at start this is exit 1, on reload the old config stays. Names that do not resolve are not errors.
Status checkTunnelConfig(const AgentConfig& config);

// The settings of `role`; a peer whose endpoint name has not resolved yet goes without an endpoint (it can
// still reach us) until the resolver reports its address.
ipc::WorkerSettings settingsFor(ipc::Role role, const AgentConfig& config, const PeerResolver& resolver);

}  // namespace nefia::supervisor
