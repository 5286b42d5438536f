// Tests for the "not yet supported" list: only configured features that this build does not
// implement are named, in the reference's order.
#include "common/config/config_features.h"

#include <gtest/gtest.h>

#include "common/config/config_loader.h"
#include "tests/common/config/config_test_support.h"

namespace nefia {
namespace {

using Names = std::vector<std::string>;

TEST(ConfigFeaturesTest, CoreTunnelConfigNeedsNoWarning) {
  auto parsed = parseAgentConfig(config_test::minimalConfig(), "agent.yaml");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(unsupportedConfiguredFeatures(parsed.config), Names{});
}

TEST(ConfigFeaturesTest, EveryConfiguredButUnimplementedAreaIsNamed) {
  auto loaded = loadAgentConfig(NEFIA_CONFIG_EXAMPLE);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  AgentConfig config = loaded->config;
  config.updateServerUrl = "https://updates.example.com";
  EXPECT_EQ(unsupportedConfiguredFeatures(config),
            (Names{"update_server_url", "agent_token", "stun_servers", "endpoint_refresh",
                   "cloud_api_base", "derp_servers", "beacons' reactor transport (events stay queued in the agent)"}));
}

TEST(ConfigFeaturesTest, DnsIsAcceptedWithoutAWarning) {
  AgentConfig config;
  config.dns = {"10.99.0.1"};
  EXPECT_EQ(unsupportedConfiguredFeatures(config), Names{}) << "dns is documented to have no effect, not unsupported";
}

// Issue 12 item 10: every enrolled config has host_id (enrollment writes it); it is not a feature to warn about.
TEST(ConfigFeaturesTest, HostIdWrittenByEnrollmentIsNotReportedAsUnsupported) {
  auto parsed = parseAgentConfig(config_test::minimalConfig() + "host_id: host-7f3a\n", "agent.yaml");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.config.hostId, "host-7f3a");
  EXPECT_EQ(unsupportedConfiguredFeatures(parsed.config), Names{});
}

TEST(ConfigFeaturesTest, DisabledBeaconsAndExpiryAloneCount) {
  AgentConfig config;
  config.beacons.diskUsage.paths = {"/"};
  EXPECT_EQ(unsupportedConfiguredFeatures(config), Names{}) << "a disabled beacon is not configured";
  config.beacons.serviceCheck.enabled = true;
  config.agentTokenExpiresAt = "2026-06-01T00:00:00Z";
  EXPECT_EQ(unsupportedConfiguredFeatures(config),
            (Names{"agent_token", "beacons' reactor transport (events stay queued in the agent)"}));
}

}  // namespace
}  // namespace nefia
