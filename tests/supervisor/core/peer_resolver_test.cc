// Tests for PeerResolver: a name that does not resolve is reported and retried without blocking the loop,
// IP literals need nothing, forgotten names leave no handle behind (issue 12 item 6).
#include "supervisor/core/peer_resolver.h"

#include <gtest/gtest.h>

#include <chrono>

namespace nefia::supervisor {
namespace {

using namespace std::chrono_literals;

class PeerResolverTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  // Runs the loop until `done` or `limit`, whichever comes first.
  template <typename Done>
  void runUntil(Done done, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < until) uv_run(&loop_, UV_RUN_NOWAIT);
  }
  static PeerEntry peerAt(std::string endpoint) {
    PeerEntry peer;
    peer.endpoint = std::move(endpoint);
    return peer;
  }

  uv_loop_t loop_;
};

TEST_F(PeerResolverTest, AnUnresolvableNameIsReportedAndRetriedWithoutBlockingTheLoop) {
  int changes = 0;
  {
    PeerResolver resolver(&loop_, [&] { ++changes; });
    const auto before = std::chrono::steady_clock::now();
    resolver.setPeers({peerAt("no-such-host.invalid:51820")});
    EXPECT_LT(std::chrono::steady_clock::now() - before, 100ms) << "setPeers must not resolve on the loop thread";
    EXPECT_EQ(resolver.resolved("no-such-host.invalid:51820"), "");
    runUntil([&] { return !resolver.error("no-such-host.invalid:51820").empty(); }, 10s);
    EXPECT_EQ(resolver.error("no-such-host.invalid:51820").rfind("cannot resolve no-such-host.invalid: ", 0), 0u)
        << resolver.error("no-such-host.invalid:51820");
    EXPECT_EQ(resolver.resolved("no-such-host.invalid:51820"), "");
  }
  EXPECT_EQ(changes, 0);
}

TEST_F(PeerResolverTest, ANameThatResolvesReportsItsAddressOnce) {
  int changes = 0;
  PeerResolver resolver(&loop_, [&] { ++changes; });
  resolver.setPeers({peerAt("localhost:51820"), peerAt("192.0.2.7:51820"), peerAt("[2001:db8::1]:51820")});
  runUntil([&] { return changes > 0; }, 10s);
  EXPECT_EQ(changes, 1);
  const std::string local = resolver.resolved("localhost:51820");
  EXPECT_TRUE(local == "127.0.0.1:51820" || local == "[::1]:51820") << local;
  EXPECT_EQ(resolver.error("localhost:51820"), "");
  EXPECT_EQ(resolver.resolved("192.0.2.7:51820"), "192.0.2.7:51820");
  EXPECT_EQ(resolver.resolved("[2001:db8::1]:51820"), "[2001:db8::1]:51820");
  resolver.refreshAll();
  runUntil([] { return false; }, 200ms);
  EXPECT_EQ(changes, 1) << "the same address again is no change";
  resolver.setPeers({});
  EXPECT_EQ(resolver.resolved("localhost:51820"), "");
}

}  // namespace
}  // namespace nefia::supervisor
