// forwarder_bench: throughput of the forwarder through lwIP against the real kernel TCP stack (root; private
// network namespace + TUN, the same setup as the integration tests). Prints MB/s for a one-way transfer in
// each direction and the CPU seconds per GiB of the forwarder's loop thread. A measurement, not a test.
// Usage: forwarder_bench [MiB per direction, default 256]
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

#include "tests/workers/forwarder/loop_thread.h"
#include "tests/workers/forwarder/namespace_harness.h"
#include "workers/forwarder/forwarder.h"

using namespace nefia::forwarder;
using namespace nefia::forwarder::testing;

namespace {

double threadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Sends `total` bytes from `from` and counts them at `to`; returns seconds from first send to last byte.
double transfer(int from, int to, std::size_t total, bool& ok) {
  std::vector<uint8_t> chunk = randomBytes(1024 * 1024, 7);
  std::thread sender([&] {
    for (std::size_t sent = 0; sent < total; sent += chunk.size()) {
      if (!sendAll(from, chunk.data(), std::min(chunk.size(), total - sent))) return;
    }
    ::shutdown(from, SHUT_WR);
  });
  const auto started = std::chrono::steady_clock::now();
  std::vector<uint8_t> buffer(1024 * 1024);
  std::size_t received = 0;
  while (true) {
    const ssize_t length = ::recv(to, buffer.data(), buffer.size(), 0);
    if (length <= 0) break;
    received += static_cast<std::size_t>(length);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  sender.join();
  ok = received == total;
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mebibytes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  const std::size_t total = mebibytes * 1024 * 1024;
  auto environment = NamespaceEnvironment::get();
  if (!environment) {
    std::fprintf(stderr, "forwarder_bench: %s\n", environment.error().c_str());
    return 1;
  }
  LocalServer server;
  DirectBroker broker(server.port());
  LoopThread loop;
  std::unique_ptr<Forwarder> forwarder;
  const int link = environment.value()->newLinkForForwarder();
  std::string error = loop.call([&]() -> std::string {
    auto created = Forwarder::create(loop.loop(), NetstackConfig{kAgentCidr, "", kDefaultMtu}, link, broker);
    if (!created) return created.error();
    forwarder = std::move(created).value();
    return "";
  });
  if (!error.empty()) {
    std::fprintf(stderr, "forwarder_bench: %s\n", error.c_str());
    return 1;
  }

  struct Direction {
    const char* name;
    bool upload;
  };
  int status = 0;
  for (const Direction& direction : {Direction{"operator -> sshd (upload)", true}, Direction{"sshd -> operator (download)", false}}) {
    const int client = connectToAgent();
    const int local = server.acceptOne();
    if (client < 0 || local < 0) {
      std::fprintf(stderr, "forwarder_bench: could not connect through the forwarder\n");
      return 1;
    }
    setTimeouts(client, std::chrono::seconds(60));
    setTimeouts(local, std::chrono::seconds(60));
    const double cpuBefore = loop.call([] { return threadCpuSeconds(); });
    bool ok = false;
    const double seconds = direction.upload ? transfer(client, local, total, ok) : transfer(local, client, total, ok);
    const double cpuAfter = loop.call([] { return threadCpuSeconds(); });
    const double megabytesPerSecond = static_cast<double>(total) / 1e6 / seconds;
    const double gibibytes = static_cast<double>(total) / (1024.0 * 1024.0 * 1024.0);
    std::printf("%-28s %zu MiB in %.2f s: %.1f MB/s (%.0f Mbit/s), forwarder loop CPU %.2f s/GiB%s\n", direction.name,
                mebibytes, seconds, megabytesPerSecond, megabytesPerSecond * 8, (cpuAfter - cpuBefore) / gibibytes,
                ok ? "" : "  INCOMPLETE");
    if (!ok) status = 1;
    ::close(client);
    ::close(local);
  }
  const PacketLinkStats linkStats = loop.call([&] { return forwarder->linkStats(); });
  std::printf("packet link: %llu in, %llu out, %llu outbound dropped\n",
              static_cast<unsigned long long>(linkStats.packetsIn), static_cast<unsigned long long>(linkStats.packetsOut),
              static_cast<unsigned long long>(linkStats.droppedOutbound));
  std::promise<void> closed;
  loop.call([&] { forwarder->close([&] { closed.set_value(); }); });
  closed.get_future().wait_for(std::chrono::seconds(10));
  loop.call([&] { forwarder.reset(); });
  loop.stop();
  return status;
}
