// ConnectionBroker: how the forwarder obtains a connected socket to ssh_addr for each accepted
// connection. The forwarder never connects anywhere itself (its sandbox forbids creating sockets).
#pragma once

#include <cstdint>
#include <functional>

#include "common/result.h"

namespace nefia::forwarder {

class ConnectionBroker {
 public:
  virtual ~ConnectionBroker() = default;
  // Asks for a connection for forwarded connection `requestId`. `done` runs on the forwarder's loop
  // thread (possibly before this returns) with a connected stream socket, whose ownership passes to the
  // forwarder, or with an error saying why ssh_addr could not be reached.
  virtual void requestConnection(uint64_t requestId, std::function<void(Result<int>)> done) = 0;
};

}  // namespace nefia::forwarder
