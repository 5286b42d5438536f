// SshReachability: whether the local SSH server (ssh_addr) answered the last connection attempt, logged
// only when that changes, so a dead sshd produces one line instead of one per connection. Never logs
// on a repeated outcome.
#pragma once

#include <string>

namespace nefia::forwarder {

class SshReachability {
 public:
  void recordSuccess();
  void recordFailure(const std::string& error);
  // Starts true: nothing says the server is down until an attempt fails.
  bool reachable() const { return reachable_; }

 private:
  bool reachable_ = true;
};

}  // namespace nefia::forwarder
