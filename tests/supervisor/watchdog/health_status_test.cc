// The ok / degraded / unhealthy rule as an operator reads it in agent-health.json.
#include "supervisor/watchdog/health_status.h"

#include <string>

#include <gtest/gtest.h>

namespace nefia::supervisor {
namespace {

HealthStatusInputs allGood() {
  HealthStatusInputs inputs;
  inputs.tunnelAndForwarderReady = true;
  inputs.otherWorkersReady = true;
  inputs.watchdogHealthy = true;
  inputs.peersConfigured = true;
  inputs.vpnConnected = true;
  return inputs;
}

std::string statusWith(void (*change)(HealthStatusInputs&)) {
  HealthStatusInputs inputs = allGood();
  change(inputs);
  return healthStatus(inputs);
}

TEST(HealthStatus, OkWhenEverythingRunsAndATunnelIsLive) { EXPECT_EQ(std::string(healthStatus(allGood())), "ok"); }

TEST(HealthStatus, UnhealthyWhenTunnelOrForwarderIsDown) {
  EXPECT_EQ(statusWith([](HealthStatusInputs& in) { in.tunnelAndForwarderReady = false; }), "unhealthy");
}

TEST(HealthStatus, UnhealthyWhileTheWatchdogSeesEveryEndpointPeerStaleOrRebuilds) {
  EXPECT_EQ(statusWith([](HealthStatusInputs& in) { in.watchdogHealthy = false; }), "unhealthy");
}

TEST(HealthStatus, DegradedForLesserProblems) {
  EXPECT_EQ(statusWith([](HealthStatusInputs& in) { in.otherWorkersReady = false; }), "degraded");
  EXPECT_EQ(statusWith([](HealthStatusInputs& in) { in.anyEndpointPeerStale = true; }), "degraded");
  EXPECT_EQ(statusWith([](HealthStatusInputs& in) { in.vpnConnected = false; }), "degraded");
  EXPECT_EQ(statusWith([](HealthStatusInputs& in) { in.configReloadFailed = true; }), "degraded");
}

TEST(HealthStatus, NoPeersNeedNoHandshake) {
  EXPECT_EQ(statusWith([](HealthStatusInputs& in) {
              in.peersConfigured = false;
              in.vpnConnected = false;
            }),
            "ok");
}

}  // namespace
}  // namespace nefia::supervisor
