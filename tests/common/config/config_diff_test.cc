// Tests for the SIGHUP diff: each area reports its own change, peers by public key, and the log
// summary names areas without values.
#include "common/config/config_diff.h"

#include <gtest/gtest.h>

#include "common/config/config_loader.h"
#include "tests/common/config/config_test_support.h"

namespace nefia {
namespace {

using namespace std::chrono_literals;
using config_test::kOtherPeerKey;
using config_test::kPeerKey;
using Keys = std::vector<std::string>;

AgentConfig base() {
  auto parsed = parseAgentConfig(config_test::minimalConfig(), "agent.yaml");
  EXPECT_TRUE(parsed.ok());
  return parsed.config;
}

TEST(ConfigDiffTest, SameConfigHasNoChanges) {
  const ConfigChanges changes = diffConfigs(base(), base());
  EXPECT_FALSE(changes.any());
  EXPECT_EQ(changes.describe(), "nothing");
}

TEST(ConfigDiffTest, EachAreaIsReportedOnItsOwn) {
  AgentConfig after = base();
  after.listenPort = 51821;
  after.sshAddr = "127.0.0.1:2222";
  after.beacons.diskUsage.warningPercent = 70;
  const ConfigChanges changes = diffConfigs(base(), after);
  EXPECT_TRUE(changes.listenPort);
  EXPECT_TRUE(changes.sshAddr);
  EXPECT_TRUE(changes.beacons);
  EXPECT_FALSE(changes.privateKey);
  EXPECT_FALSE(changes.address);
  EXPECT_FALSE(changes.peers());
  EXPECT_FALSE(changes.derp);
  EXPECT_EQ(changes.describe(), "listen_port, ssh_addr, beacons");

  AgentConfig rotated = base();
  rotated.privateKey = "keyring:new";
  rotated.agentTokenExpiresAt = "2026-09-01T00:00:00Z";
  rotated.derpProbeInterval = 1min;
  rotated.testing.reportInterval = 1s;
  const ConfigChanges rotation = diffConfigs(base(), rotated);
  EXPECT_EQ(rotation.describe(), "private_key, agent_token, derp, testing");
  EXPECT_EQ(rotation.describe().find("keyring:new"), std::string::npos);
}

TEST(ConfigDiffTest, PeersAreComparedByPublicKey) {
  AgentConfig before = base();
  before.peers.push_back(PeerEntry{kOtherPeerKey, "", "10.99.0.3", 0s});
  AgentConfig reordered = before;
  std::swap(reordered.peers[0], reordered.peers[1]);
  EXPECT_FALSE(diffConfigs(before, reordered).any());

  AgentConfig after = base();
  after.peers[0].endpoint = "operator.example.com:51820";
  const std::string added = "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=";
  after.peers.push_back(PeerEntry{added, "", "10.99.0.4", 0s});
  const ConfigChanges changes = diffConfigs(before, after);
  EXPECT_EQ(changes.peersAdded, (Keys{added}));
  EXPECT_EQ(changes.peersRemoved, (Keys{kOtherPeerKey}));
  EXPECT_EQ(changes.peersChanged, (Keys{kPeerKey}));
  EXPECT_EQ(changes.describe(), "peers (+1 -1 ~1)");
}

}  // namespace
}  // namespace nefia
