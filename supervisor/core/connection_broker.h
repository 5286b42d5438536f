// The connection broker: on the forwarder's request the supervisor connects to ssh_addr without blocking
// its loop and hands back the connected fd, because the sandboxed forwarder may not create sockets.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nefia::supervisor {

class ConnectionBroker {
 public:
  using Done = std::function<void(Result<UniqueFd>)>;

  ConnectionBroker(uv_loop_t* loop, std::chrono::milliseconds connectTimeout);
  ~ConnectionBroker();

  // ssh_addr may change on SIGHUP; connections already in progress keep their old target.
  void setTarget(std::string hostPort) { target_ = std::move(hostPort); }
  const std::string& target() const { return target_; }

  // Connects to the current target; `done` runs exactly once (also when the broker is destroyed first).
  void connect(Done done);
  std::size_t pending() const { return attempts_.size(); }

 private:
  struct Attempt;
  void finish(uint64_t id, Result<UniqueFd> result);
  void startTcp(uint64_t id, const sockaddr* address);

  uv_loop_t* loop_;
  std::chrono::milliseconds connectTimeout_;
  std::string target_ = "127.0.0.1:22";
  uint64_t nextId_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Attempt>> attempts_;
  std::shared_ptr<bool> alive_;  // name lookups outlive the broker until libuv runs their callback
};

}  // namespace nefia::supervisor
