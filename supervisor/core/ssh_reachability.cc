// SshReachability: transition-only logging of the local SSH server's state.
// Must never log twice for the same state.
#include "supervisor/core/ssh_reachability.h"

#include "common/log.h"

namespace nefia::supervisor {

void SshReachability::recordSuccess(const std::string& target) {
  const bool wasDown = reachable_ == false;
  reachable_ = true;
  if (wasDown) logInfo("supervisor", "SSH server at ", target, " reachable again; forwarding resumed");
}

void SshReachability::recordFailure(const std::string& target, const std::string& error) {
  if (reachable_ == false) return;
  reachable_ = false;
  logWarn("supervisor", "SSH server at ", target, " unreachable: ", error,
          "; forwarded connections are reset until it answers (check ssh_addr and that sshd is running)");
}

}  // namespace nefia::supervisor
