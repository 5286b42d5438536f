// Test helper implementation: namespace, TUN, packet shuttle, local server, direct broker, socket helpers.
// Never run outside the private namespace it creates; never blocks without a deadline.
#include "tests/workers/forwarder/namespace_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "workers/packet_link/packet_bundle.h"

namespace nefia::forwarder::testing {
namespace {

constexpr std::size_t kShuttleBatch = 64;
constexpr std::size_t kShuttleSlot = nefia::forwarder::kMaxBundleBytes;  // a whole bundle from the agent

Status setInterface(const char* name, const char* address, int prefix, int mtu) {
  const int control = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (control < 0) return makeError(std::string("socket: ") + std::strerror(errno));
  ifreq request{};
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  auto fail = [&](const char* what) {
    const std::string message = std::string(what) + " on " + name + ": " + std::strerror(errno);
    ::close(control);
    return Status(makeError(message));
  };
  if (address != nullptr) {
    auto* ip = reinterpret_cast<sockaddr_in*>(&request.ifr_addr);
    ip->sin_family = AF_INET;
    inet_pton(AF_INET, address, &ip->sin_addr);
    if (::ioctl(control, SIOCSIFADDR, &request) != 0) return fail("SIOCSIFADDR");
    auto* mask = reinterpret_cast<sockaddr_in*>(&request.ifr_netmask);
    mask->sin_family = AF_INET;
    mask->sin_addr.s_addr = htonl(~(0xffffffffu >> prefix));
    if (::ioctl(control, SIOCSIFNETMASK, &request) != 0) return fail("SIOCSIFNETMASK");
  }
  if (mtu > 0) {
    request.ifr_mtu = mtu;
    if (::ioctl(control, SIOCSIFMTU, &request) != 0) return fail("SIOCSIFMTU");
  }
  if (::ioctl(control, SIOCGIFFLAGS, &request) != 0) return fail("SIOCGIFFLAGS");
  request.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(control, SIOCSIFFLAGS, &request) != 0) return fail("SIOCSIFFLAGS");
  ::close(control);
  return Status::success();
}

// The kernel's struct in6_ifreq (linux/ipv6.h clashes with netinet/in.h).
struct Ipv6InterfaceRequest {
  in6_addr address;
  uint32_t prefixLength;
  int interfaceIndex;
};

Status addIpv6Address(const char* name, const char* address, uint32_t prefix) {
  // No duplicate address detection: the address must be usable at once, and nothing else is on the link.
  const std::string dadSetting = std::string("/proc/sys/net/ipv6/conf/") + name + "/accept_dad";
  if (FILE* setting = std::fopen(dadSetting.c_str(), "w")) {
    std::fputs("0", setting);
    std::fclose(setting);
  }
  const int control = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (control < 0) return makeError(std::string("IPv6 socket: ") + std::strerror(errno));
  Ipv6InterfaceRequest request{};
  inet_pton(AF_INET6, address, &request.address);
  request.prefixLength = prefix;
  request.interfaceIndex = static_cast<int>(if_nametoindex(name));
  const int result = ::ioctl(control, SIOCSIFADDR, &request);
  const int error = errno;
  ::close(control);
  if (result != 0) return makeError(std::string("adding ") + address + " to " + name + ": " + std::strerror(error));
  return Status::success();
}

Status createEnvironment(std::unique_ptr<TunShuttle>& shuttle) {
  if (::unshare(CLONE_NEWNET) != 0) {
    return makeError(std::string("unshare(CLONE_NEWNET) failed (these tests need root): ") + std::strerror(errno));
  }
  if (Status up = setInterface("lo", nullptr, 0, 0); !up) return up;
  const int tun = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (tun < 0) return makeError(std::string("open /dev/net/tun: ") + std::strerror(errno));
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(request.ifr_name, "nefiatun0", IFNAMSIZ - 1);
  if (::ioctl(tun, TUNSETIFF, &request) != 0) return makeError(std::string("TUNSETIFF: ") + std::strerror(errno));
  if (Status up = setInterface("nefiatun0", kKernelAddress, 24, 1420); !up) return up;
  if (Status v6 = addIpv6Address("nefiatun0", kKernelAddress6, 64); !v6) return v6;
  shuttle = std::make_unique<TunShuttle>(tun);
  return Status::success();
}

}  // namespace

Result<NamespaceEnvironment*> NamespaceEnvironment::get() {
  static NamespaceEnvironment* environment = nullptr;
  static std::string failure;
  if (environment != nullptr) return environment;
  if (!failure.empty()) return makeError(failure);
  auto* created = new NamespaceEnvironment();
  auto status = createEnvironment(created->shuttle_);
  if (!status) {
    failure = status.error();
    delete created;
    return makeError(failure);
  }
  environment = created;
  return environment;
}

int NamespaceEnvironment::newLinkForForwarder() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return -1;
  int buffer = 4 * 1024 * 1024;
  ::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  shuttle_->replaceLink(pair[0]);
  return pair[1];
}

TunShuttle::TunShuttle(int tunFd) : tunFd_(tunFd), wakeFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  thread_ = std::thread([this] { run(); });
}

TunShuttle::~TunShuttle() {
  stop_ = true;
  uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);
  thread_.join();
  ::close(wakeFd_);
  ::close(tunFd_);
}

void TunShuttle::replaceLink(int linkFd) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pendingLink_ >= 0) ::close(pendingLink_);
    pendingLink_ = linkFd;
  }
  uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);
}

void TunShuttle::run() {
  std::vector<uint8_t> slots(kShuttleBatch * kShuttleSlot);
  iovec iov[kShuttleBatch];
  mmsghdr messages[kShuttleBatch];
  int link = -1;
  while (!stop_) {
    pollfd fds[3] = {{wakeFd_, POLLIN, 0}, {tunFd_, POLLIN, 0}, {link, POLLIN, 0}};
    if (::poll(fds, 3, 100) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      uint64_t count;
      (void)!::read(wakeFd_, &count, sizeof count);
      std::lock_guard<std::mutex> lock(mutex_);
      if (pendingLink_ >= 0) {
        if (link >= 0) ::close(link);
        link = pendingLink_;
        pendingLink_ = -1;
      }
      continue;
    }
    if (fds[1].revents & POLLIN) {
      // Kernel -> agent: up to one batch of TUN reads, one sendmmsg.
      std::size_t count = 0;
      while (count < kShuttleBatch) {
        const ssize_t length = ::read(tunFd_, &slots[count * kShuttleSlot], kShuttleSlot);
        if (length <= 0) break;
        iov[count] = iovec{&slots[count * kShuttleSlot], static_cast<std::size_t>(length)};
        ++count;
      }
      std::size_t sent = 0;
      for (int attempt = 0; link >= 0 && sent < count && attempt < 50; ++attempt) {
        for (std::size_t i = sent; i < count; ++i) {
          std::memset(&messages[i], 0, sizeof(mmsghdr));
          messages[i].msg_hdr.msg_iov = &iov[i];
          messages[i].msg_hdr.msg_iovlen = 1;
        }
        const int result = ::sendmmsg(link, &messages[sent], count - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (result > 0) {
          sent += result;
          continue;
        }
        if (result < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
        pollfd writable{link, POLLOUT, 0};
        ::poll(&writable, 1, 10);
      }
      toAgent_ += sent;
    }
    if (link >= 0 && (fds[2].revents & (POLLIN | POLLHUP))) {
      // Agent -> kernel.
      for (std::size_t i = 0; i < kShuttleBatch; ++i) {
        iov[i] = iovec{&slots[i * kShuttleSlot], kShuttleSlot};
        std::memset(&messages[i], 0, sizeof(mmsghdr));
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      const int received = ::recvmmsg(link, messages, kShuttleBatch, MSG_DONTWAIT, nullptr);
      for (int i = 0; i < received; ++i) {
        if (messages[i].msg_len == 0) {
          ::close(link);
          link = -1;
          break;
        }
        nefia::forwarder::forEachPacket(
            std::span<const uint8_t>(static_cast<const uint8_t*>(iov[i].iov_base), messages[i].msg_len),
            nefia::forwarder::kMaxBundledPacketBytes, [this](std::span<const uint8_t> packet) {
              (void)!::write(tunFd_, packet.data(), packet.size());
              return true;
            });
      }
    }
  }
  if (link >= 0) ::close(link);
}

LocalServer::LocalServer() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(fd_, 512);
  socklen_t length = sizeof address;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
}

LocalServer::~LocalServer() { ::close(fd_); }

int LocalServer::acceptOne(std::chrono::milliseconds limit) {
  pollfd ready{fd_, POLLIN, 0};
  if (::poll(&ready, 1, static_cast<int>(limit.count())) <= 0) return -1;
  const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) setTimeouts(fd, std::chrono::seconds(20));
  return fd;
}

void DirectBroker::requestConnection(uint64_t, std::function<void(Result<int>)> done) {
  ++requests;
  if (failNext > 0) {
    --failNext;
    done(makeError("connect to 127.0.0.1:" + std::to_string(port_) + ": connection refused"));
    return;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const std::string error = std::strerror(errno);
    ::close(fd);
    done(makeError("connect to 127.0.0.1:" + std::to_string(port_) + ": " + error));
    return;
  }
  done(fd);
}

void setTimeouts(int fd, std::chrono::milliseconds limit) {
  timeval value{static_cast<time_t>(limit.count() / 1000), static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
}

namespace {
int connectSocket(uint16_t port, std::chrono::milliseconds limit, int& error, bool ipv6 = false) {
  const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setTimeouts(fd, limit);
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (ipv6) {
    auto* address = reinterpret_cast<sockaddr_in6*>(&storage);
    address->sin6_family = AF_INET6;
    address->sin6_port = htons(port);
    inet_pton(AF_INET6, kAgentAddress6, &address->sin6_addr);
    length = sizeof(sockaddr_in6);
  } else {
    auto* address = reinterpret_cast<sockaddr_in*>(&storage);
    address->sin_family = AF_INET;
    address->sin_port = htons(port);
    inet_pton(AF_INET, kAgentAddress, &address->sin_addr);
    length = sizeof(sockaddr_in);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    error = errno;
    ::close(fd);
    return -1;
  }
  error = 0;
  return fd;
}
}  // namespace

int connectToAgent(uint16_t port, std::chrono::milliseconds limit) {
  int error = 0;
  const int fd = connectSocket(port, limit, error);
  if (fd >= 0) setTimeouts(fd, std::chrono::seconds(20));
  return fd;
}

int connectToAgentIpv6(uint16_t port, std::chrono::milliseconds limit) {
  int error = 0;
  const int fd = connectSocket(port, limit, error, true);
  if (fd >= 0) setTimeouts(fd, std::chrono::seconds(20));
  return fd;
}

int connectErrno(uint16_t port, std::chrono::milliseconds limit) {
  int error = 0;
  const int fd = connectSocket(port, limit, error);
  if (fd >= 0) ::close(fd);
  return error;
}

bool sendAll(int fd, const uint8_t* data, std::size_t length) {
  while (length > 0) {
    const ssize_t sent = ::send(fd, data, length, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    length -= static_cast<std::size_t>(sent);
  }
  return true;
}

bool readExactly(int fd, uint8_t* data, std::size_t length) {
  while (length > 0) {
    const ssize_t received = ::recv(fd, data, length, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) return false;
    data += received;
    length -= static_cast<std::size_t>(received);
  }
  return true;
}

std::vector<uint8_t> readToEnd(int fd, bool& ok) {
  std::vector<uint8_t> all;
  uint8_t buffer[65536];
  while (true) {
    const ssize_t received = ::recv(fd, buffer, sizeof buffer, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received < 0) {
      ok = false;
      return all;
    }
    if (received == 0) {
      ok = true;
      return all;
    }
    all.insert(all.end(), buffer, buffer + received);
  }
}

int waitForReadError(int fd, std::chrono::milliseconds limit) {
  setTimeouts(fd, limit);
  uint8_t buffer[4096];
  while (true) {
    const ssize_t received = ::recv(fd, buffer, sizeof buffer, 0);
    if (received > 0) continue;
    if (received == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
    return errno;
  }
}

void closeWithReset(int fd) {
  linger option{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
  ::close(fd);
}

std::vector<uint8_t> randomBytes(std::size_t length, uint32_t seed) {
  std::mt19937 generator(seed);
  std::vector<uint8_t> bytes(length);
  for (std::size_t i = 0; i + 4 <= length; i += 4) {
    const uint32_t word = generator();
    std::memcpy(&bytes[i], &word, 4);
  }
  return bytes;
}

}  // namespace nefia::forwarder::testing
