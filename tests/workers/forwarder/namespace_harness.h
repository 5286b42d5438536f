// Test helper for the real-kernel tests: a private network namespace with a TUN device (10.99.0.1/24,
// 2001:db8:99::1/64, documentation prefixes only)
// whose packets a shuttle thread moves to and from the forwarder's SOCK_SEQPACKET link, plus blocking
// socket helpers with deadlines. Never touches the host's namespace: everything happens after unshare().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "workers/forwarder/connection_broker.h"

namespace nefia::forwarder::testing {

inline constexpr const char* kKernelAddress = "10.99.0.1";
inline constexpr const char* kAgentAddress = "10.99.0.2";
inline constexpr const char* kAgentCidr = "10.99.0.2/24";
inline constexpr const char* kKernelAddress6 = "2001:db8:99::1";
inline constexpr const char* kAgentAddress6 = "2001:db8:99::2";
inline constexpr const char* kAgentCidr6 = "2001:db8:99::2/64";

// Moves packets TUN <-> link fd on its own thread, as the tunnel worker would.
class TunShuttle {
 public:
  explicit TunShuttle(int tunFd);
  ~TunShuttle();
  // Switches to a new link fd (the old one is closed), like a restarted tunnel worker.
  void replaceLink(int linkFd);
  uint64_t packetsToAgent() const { return toAgent_.load(); }

 private:
  void run();
  int tunFd_;
  int wakeFd_;
  std::mutex mutex_;
  int pendingLink_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> toAgent_{0};
  std::thread thread_;
};

// The process-wide namespace + TUN + shuttle, created on first use. Fails the calling test (returns an
// error) when not root.
class NamespaceEnvironment {
 public:
  static Result<NamespaceEnvironment*> get();
  // A fresh socketpair: one end goes to the shuttle, the other is returned for the forwarder.
  int newLinkForForwarder();
  TunShuttle& shuttle() { return *shuttle_; }

 private:
  std::unique_ptr<TunShuttle> shuttle_;
};

// A listening TCP socket on 127.0.0.1 (inside the namespace) standing in for sshd.
class LocalServer {
 public:
  LocalServer();
  ~LocalServer();
  uint16_t port() const { return port_; }
  // Accepts one connection, or -1 after `limit`.
  int acceptOne(std::chrono::milliseconds limit = std::chrono::seconds(10));

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// Connects straight to a port on 127.0.0.1 (what the supervisor does in production). Can be told to fail.
class DirectBroker : public ConnectionBroker {
 public:
  explicit DirectBroker(uint16_t port) : port_(port) {}
  void requestConnection(uint64_t requestId, std::function<void(Result<int>)> done) override;
  std::atomic<int> failNext{0};
  std::atomic<int> requests{0};

 private:
  uint16_t port_;
};

// Blocking client helpers with deadlines (SO_RCVTIMEO / SO_SNDTIMEO).
int connectToAgent(uint16_t port = 22, std::chrono::milliseconds limit = std::chrono::seconds(10));
int connectToAgentIpv6(uint16_t port = 22, std::chrono::milliseconds limit = std::chrono::seconds(10));
// Connect result as errno (0 = connected); the socket is closed.
int connectErrno(uint16_t port = 22, std::chrono::milliseconds limit = std::chrono::seconds(5));
void setTimeouts(int fd, std::chrono::milliseconds limit);
bool sendAll(int fd, const uint8_t* data, std::size_t length);
// Reads exactly `length` bytes; false on EOF, error or timeout.
bool readExactly(int fd, uint8_t* data, std::size_t length);
// Reads until EOF; returns the bytes, or nullopt-like failure via `ok`.
std::vector<uint8_t> readToEnd(int fd, bool& ok);
// Waits for the next read to fail and returns its errno (0 for a clean EOF, -1 for data or timeout).
int waitForReadError(int fd, std::chrono::milliseconds limit);
void closeWithReset(int fd);
std::vector<uint8_t> randomBytes(std::size_t length, uint32_t seed);

}  // namespace nefia::forwarder::testing
