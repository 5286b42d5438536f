// SshReachability: transition-only logging of the local SSH server's state.
// Must never log twice for the same state.
#include "workers/forwarder/reachability.h"

#include "common/log.h"

namespace nefia::forwarder {

void SshReachability::recordSuccess() {
  if (reachable_) return;
  reachable_ = true;
  logInfo("forwarder", "SSH server reachable again; forwarding resumed");
}

void SshReachability::recordFailure(const std::string& error) {
  if (!reachable_) return;
  reachable_ = false;
  logWarn("forwarder", "SSH server unreachable: ", error,
          "; forwarded connections are reset until it answers (check ssh_addr and that sshd is running)");
}

}  // namespace nefia::forwarder
