// wan_relay: a UDP forwarder between two fixed peers that adds one-way delay, jitter and random loss per
// direction, for bench/wan_bench.sh. One thread: recvmmsg into delay lines, sendmmsg when due, ppoll between.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <random>
#include <string>

#include "delay_line.h"

namespace {

constexpr size_t kBatch = 64;
constexpr int kReceiveRoundsPerWakeup = 16;  // then the due datagrams go out before more are read
constexpr int kSocketBufferBytes = 32 << 20;

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_report = 0;

int64_t monotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

struct DirectionSettings {
  double delay_ms = 0;
  double jitter_ms = 0;
  double loss_percent = 0;
};

struct Counters {
  uint64_t received = 0, forwarded = 0, lost = 0, overflow = 0, send_errors = 0, receive_errors = 0;
  size_t max_queue = 0;
};

struct Direction {
  const char* name;
  int from_fd;
  int to_fd;
  DirectionSettings settings;
  DelayLine line;
  Counters counters;
  bool send_blocked = false;  // the last sendmmsg met a full socket buffer: wait for POLLOUT
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "wan_relay: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

sockaddr_in parseAddress(const std::string& text) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  auto colon = text.rfind(':');
  if (colon == std::string::npos || inet_pton(AF_INET, text.substr(0, colon).c_str(), &address.sin_addr) != 1) {
    std::fprintf(stderr, "wan_relay: '%s' is not IPV4:PORT\n", text.c_str());
    std::exit(2);
  }
  address.sin_port = htons(static_cast<uint16_t>(std::stoi(text.substr(colon + 1))));
  return address;
}

// A UDP socket bound to `listen` and connected to `peer` (so it receives from that peer only), with big buffers.
int openSocket(const std::string& listen, const std::string& peer) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int size = kSocketBufferBytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  sockaddr_in local = parseAddress(listen);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) die("bind " + listen);
  sockaddr_in remote = parseAddress(peer);
  if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) die("connect " + peer);
  return fd;
}

// Datagrams beyond the ring's capacity are read and dropped, so the overflow is counted rather than hidden
// in the kernel's socket-buffer drops.
void discardOverflow(Direction& direction) {
  static uint8_t scratch[DelayLine::kSlotBytes];
  while (recv(direction.from_fd, scratch, sizeof scratch, MSG_DONTWAIT) >= 0) {
    ++direction.counters.received;
    ++direction.counters.overflow;
  }
}

void receive(Direction& direction, std::mt19937_64& random) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_real_distribution<double> jitter(-direction.settings.jitter_ms, direction.settings.jitter_ms);
  const double loss = direction.settings.loss_percent / 100.0;
  mmsghdr messages[kBatch];
  iovec vectors[kBatch];
  for (int round = 0; round < kReceiveRoundsPerWakeup; ++round) {
    size_t wanted = std::min(kBatch, direction.line.freeSlots());
    if (wanted == 0) return discardOverflow(direction);
    for (size_t i = 0; i < wanted; ++i) {
      vectors[i] = {direction.line.freeSlot(i), DelayLine::kSlotBytes};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received = recvmmsg(direction.from_fd, messages, static_cast<unsigned>(wanted), MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      ++direction.counters.receive_errors;  // e.g. ECONNREFUSED: the peer's port was closed for a moment
      continue;
    }
    const int64_t now = monotonicNs();
    direction.line.beginBatch();
    for (int i = 0; i < received; ++i) {
      ++direction.counters.received;
      if (loss > 0 && unit(random) < loss) {
        ++direction.counters.lost;
        continue;
      }
      double delay_ms = direction.settings.delay_ms + (direction.settings.jitter_ms > 0 ? jitter(random) : 0.0);
      int64_t due = now + static_cast<int64_t>(std::max(0.0, delay_ms) * 1e6);
      direction.line.commit(static_cast<size_t>(i), messages[i].msg_len, due);
    }
    direction.counters.max_queue = std::max(direction.counters.max_queue, direction.line.size());
    if (static_cast<size_t>(received) < wanted) return;
  }
}

void transmitDue(Direction& direction, int64_t now) {
  mmsghdr messages[kBatch];
  iovec vectors[kBatch];
  DelayLine& line = direction.line;
  direction.send_blocked = false;
  while (!line.empty() && line.due(0) <= now) {
    size_t count = 0;
    while (count < kBatch && count < line.size() && line.due(count) <= now) {
      vectors[count] = {line.datagram(count), line.length(count)};
      messages[count] = {};
      messages[count].msg_hdr.msg_iov = &vectors[count];
      messages[count].msg_hdr.msg_iovlen = 1;
      ++count;
    }
    int sent = sendmmsg(direction.to_fd, messages, static_cast<unsigned>(count), MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        direction.send_blocked = true;
        return;
      }
      ++direction.counters.send_errors;  // ECONNREFUSED from an earlier datagram: drop this one, go on
      line.pop(1);
      continue;
    }
    direction.counters.forwarded += static_cast<uint64_t>(sent);
    line.pop(static_cast<size_t>(sent));
  }
}

void report(const Direction& direction) {
  const Counters& c = direction.counters;
  std::fprintf(stderr,
               "wan_relay %s: received %lu forwarded %lu lost %lu overflow %lu send_errors %lu receive_errors %lu "
               "max_queue %zu\n",
               direction.name, c.received, c.forwarded, c.lost, c.overflow, c.send_errors, c.receive_errors,
               c.max_queue);
  std::fflush(stderr);
}

void onSignal(int signal_number) {
  if (signal_number == SIGUSR1) {
    g_report = 1;
  } else {
    g_stop = 1;
  }
}

// Signals are blocked except inside ppoll, so a SIGTERM can never slip in between the check and the wait.
sigset_t installSignalHandlers() {
  sigset_t blocked, original;
  sigemptyset(&blocked);
  for (int signal_number : {SIGTERM, SIGINT, SIGUSR1}) {
    sigaddset(&blocked, signal_number);
    struct sigaction action{};
    action.sa_handler = onSignal;
    sigaction(signal_number, &action, nullptr);
  }
  sigprocmask(SIG_BLOCK, &blocked, &original);
  return original;
}

void run(Direction& a_to_b, Direction& b_to_a, uint64_t seed) {
  std::mt19937_64 random(seed);
  sigset_t wait_mask = installSignalHandlers();
  prctl(PR_SET_TIMERSLACK, 1000UL);  // wake within ~1 us of the due time, not the default 50 us
  while (!g_stop) {
    const int64_t now = monotonicNs();
    transmitDue(a_to_b, now);
    transmitDue(b_to_a, now);
    int64_t next_due = std::numeric_limits<int64_t>::max();
    for (Direction* direction : {&a_to_b, &b_to_a}) {
      if (!direction->line.empty() && !direction->send_blocked) next_due = std::min(next_due, direction->line.due(0));
    }
    timespec timeout{};
    timespec* timeout_pointer = nullptr;
    if (next_due != std::numeric_limits<int64_t>::max()) {
      int64_t wait_ns = std::max<int64_t>(0, next_due - monotonicNs());
      timeout = {static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
      timeout_pointer = &timeout;
    }
    // Socket a receives a->b traffic and sends b->a traffic; socket b the other way round.
    pollfd sockets[2] = {
        {a_to_b.from_fd, static_cast<short>(POLLIN | (b_to_a.send_blocked ? POLLOUT : 0)), 0},
        {b_to_a.from_fd, static_cast<short>(POLLIN | (a_to_b.send_blocked ? POLLOUT : 0)), 0}};
    int ready = ppoll(sockets, 2, timeout_pointer, &wait_mask);
    if (g_report) {
      g_report = 0;
      report(a_to_b);
      report(b_to_a);
    }
    if (ready <= 0) continue;
    if (sockets[0].revents & (POLLIN | POLLERR)) receive(a_to_b, random);
    if (sockets[1].revents & (POLLIN | POLLERR)) receive(b_to_a, random);
  }
  report(a_to_b);
  report(b_to_a);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"UDP forwarder that adds one-way delay, jitter and random loss between two fixed peers (benchmarks)"};
  std::string listen_a, peer_a, listen_b, peer_b;
  double delay_ms = 0, jitter_ms = 0, loss_percent = 0;
  double delay_ab = -1, delay_ba = -1, loss_ab = -1, loss_ba = -1;
  uint64_t seed = 1;
  size_t queue_slots = 16384;  // 32 MiB a direction: 1 Gbit/s for 190 ms one way
  app.add_option("--listen-a", listen_a, "IPV4:PORT that peer A sends to")->required();
  app.add_option("--peer-a", peer_a, "IPV4:PORT of peer A")->required();
  app.add_option("--listen-b", listen_b, "IPV4:PORT that peer B sends to")->required();
  app.add_option("--peer-b", peer_b, "IPV4:PORT of peer B")->required();
  app.add_option("--delay", delay_ms, "one-way delay in ms, both directions (RTT = 2x)")->check(CLI::NonNegativeNumber);
  app.add_option("--delay-ab", delay_ab, "one-way delay A->B in ms (overrides --delay)")->check(CLI::NonNegativeNumber);
  app.add_option("--delay-ba", delay_ba, "one-way delay B->A in ms (overrides --delay)")->check(CLI::NonNegativeNumber);
  app.add_option("--jitter", jitter_ms, "uniform +-jitter in ms added to each delay; order is kept")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--loss", loss_percent, "random loss in percent, both directions")->check(CLI::Range(0.0, 100.0));
  app.add_option("--loss-ab", loss_ab, "random loss A->B in percent")->check(CLI::Range(0.0, 100.0));
  app.add_option("--loss-ba", loss_ba, "random loss B->A in percent")->check(CLI::Range(0.0, 100.0));
  app.add_option("--seed", seed, "seed of the loss and jitter generator");
  app.add_option("--queue-slots", queue_slots, "datagrams each direction can hold in flight")->check(CLI::Range(64, 1 << 22));
  CLI11_PARSE(app, argc, argv);

  auto settings = [&](double delay, double loss) {
    return DirectionSettings{delay >= 0 ? delay : delay_ms, jitter_ms, loss >= 0 ? loss : loss_percent};
  };
  int socket_a = openSocket(listen_a, peer_a);
  int socket_b = openSocket(listen_b, peer_b);
  Direction a_to_b{"a->b", socket_a, socket_b, settings(delay_ab, loss_ab), DelayLine(queue_slots), {}};
  Direction b_to_a{"b->a", socket_b, socket_a, settings(delay_ba, loss_ba), DelayLine(queue_slots), {}};
  std::fprintf(stderr, "wan_relay: a->b delay %.3f ms loss %.3f%%, b->a delay %.3f ms loss %.3f%%, jitter %.3f ms\n",
               a_to_b.settings.delay_ms, a_to_b.settings.loss_percent, b_to_a.settings.delay_ms,
               b_to_a.settings.loss_percent, jitter_ms);
  run(a_to_b, b_to_a, seed);
  close(socket_a);
  close(socket_b);
  return 0;
}
