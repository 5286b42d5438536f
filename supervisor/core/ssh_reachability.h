// SshReachability: whether the local SSH server (ssh_addr) answered the connection broker's last attempt,
// the one owner of that fact (health file's forwarder.ssh_reachable). Logged only when it changes.
#pragma once

#include <optional>
#include <string>

namespace nefia::supervisor {

class SshReachability {
 public:
  void recordSuccess(const std::string& target);
  void recordFailure(const std::string& target, const std::string& error);
  // False until the first attempt succeeded; the first failure is logged, a first success is not news.
  bool reachable() const { return reachable_.value_or(false); }

 private:
  std::optional<bool> reachable_;  // unknown before the first attempt
};

}  // namespace nefia::supervisor
