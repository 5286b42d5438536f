// Tests for ipc/settings_payloads and ipc/message_parts: typed settings round-trip, and 1,000 peers travel in
// frames under the 64 KiB limit both ways (issue 12 item 4: one frame of ~440+ peers looped the tunnel).
#include "ipc/settings_payloads.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "ipc/frame.h"
#include "ipc/payloads.h"
#include "ipc/protocol_version.h"

namespace nefia::ipc {
namespace {

const std::string kPrivateKey = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";

std::string keyNumber(std::size_t index) {
  std::vector<uint8_t> bytes(32, 0);
  bytes[0] = static_cast<uint8_t>(index & 0xff);
  bytes[1] = static_cast<uint8_t>(index >> 8);
  return base64Encode(bytes.data(), bytes.size());
}

TunnelSettings tunnelWithPeers(std::size_t count) {
  TunnelSettings settings{kProtocolVersion, kPrivateKey, {}};
  for (std::size_t index = 0; index < count; ++index) {
    settings.peers.push_back({keyNumber(index), "[2001:db8::" + std::to_string(index) + "]:51820",
                              "10.99." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1),
                              25000});
  }
  return settings;
}

TEST(SettingsPayloadsTest, OneThousandPeersTravelInFramesUnderTheLimitAndComeBackWhole) {
  const TunnelSettings sent = tunnelWithPeers(1000);
  const std::vector<nlohmann::json> parts = toJsonParts(sent, kMaxPayloadBytes);
  ASSERT_GT(parts.size(), 1u);
  TunnelSettingsAssembler assembler;
  std::optional<TunnelSettings> received;
  for (const nlohmann::json& part : parts) {
    ASSERT_TRUE(encodeFrame(static_cast<uint8_t>(MessageType::kConfigure), part.dump()).ok());
    auto parsed = parseTunnelSettingsPart(part);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_FALSE(received.has_value());
    auto added = assembler.add(std::move(parsed.value()));
    ASSERT_TRUE(added.ok()) << added.error();
    received = std::move(added.value());
  }
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->privateKey, kPrivateKey);
  EXPECT_EQ(received->peers, sent.peers);
}

TEST(SettingsPayloadsTest, AFewPeersStayOneFrame) {
  const std::vector<nlohmann::json> parts = toJsonParts(tunnelWithPeers(2), kMaxPayloadBytes);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0]["parts"], 1);
  TunnelSettingsAssembler assembler;
  auto whole = assembler.add(parseTunnelSettingsPart(parts[0]).value());
  ASSERT_TRUE(whole.ok() && whole->has_value());
  EXPECT_EQ((*whole)->peers.size(), 2u);
}

TEST(SettingsPayloadsTest, PartsOutOfOrderAreRefusedAndTheUnfinishedMessageDropped) {
  const std::vector<nlohmann::json> parts = toJsonParts(tunnelWithPeers(1000), kMaxPayloadBytes);
  ASSERT_GE(parts.size(), 3u);
  TunnelSettingsAssembler assembler;
  ASSERT_TRUE(assembler.add(parseTunnelSettingsPart(parts[0]).value()).ok());
  auto skipped = assembler.add(parseTunnelSettingsPart(parts[2]).value());
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.error(), "message part 3 of " + std::to_string(parts.size()) + " arrived out of order");
  EXPECT_FALSE(assembler.add(parseTunnelSettingsPart(parts[1]).value()).ok());
}

TEST(SettingsPayloadsTest, PartNumbersAreBounded) {
  nlohmann::json part = toJsonParts(tunnelWithPeers(1), kMaxPayloadBytes)[0];
  part["parts"] = kMaxMessageParts + 1;
  EXPECT_EQ(parseTunnelSettingsPart(part).error(), "field \"parts\" must be an integer from 1 to 64");
  part["parts"] = 2;
  part["part"] = 2;
  EXPECT_EQ(parseTunnelSettingsPart(part).error(), "field \"part\" must be an integer from 0 to 1");
}

TEST(SettingsPayloadsTest, ATunnelStatusOfOneThousandPeersTravelsInPartsToo) {
  StatusReportPayload report;
  report.requestId = 42;
  TunnelStatus tunnel;
  for (std::size_t index = 0; index < 1000; ++index) {
    tunnel.peers.push_back({keyNumber(index), "10.99.0.1", "[2001:db8::1]:51820", 1795086000000, UINT64_MAX,
                            UINT64_MAX});
  }
  report.details = tunnel;
  // One frame, as before the fix, cannot carry it.
  EXPECT_FALSE(encodeFrame(static_cast<uint8_t>(MessageType::kStatusReport), toJson(report).dump()).ok());
  StatusReportAssembler assembler;
  std::optional<StatusReportPayload> received;
  for (const nlohmann::json& part : toJsonParts(report, kMaxPayloadBytes)) {
    ASSERT_TRUE(encodeFrame(static_cast<uint8_t>(MessageType::kStatusReport), part.dump()).ok());
    auto parsed = parseStatusReport(part, Role::kTunnel);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    auto added = assembler.add(std::move(parsed.value()));
    ASSERT_TRUE(added.ok()) << added.error();
    received = std::move(added.value());
  }
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->requestId, 42u);
  EXPECT_EQ(std::get<TunnelStatus>(received->details).peers.size(), 1000u);
}

TEST(SettingsPayloadsTest, ForwarderAndIdleSettingsRoundTripAndNameBadFields) {
  auto forwarder = parseForwarderSettings(toJson(ForwarderSettings{kProtocolVersion, "10.99.0.8/24", 1420, 22}));
  ASSERT_TRUE(forwarder.ok()) << forwarder.error();
  EXPECT_EQ(forwarder->address, "10.99.0.8/24");
  EXPECT_EQ(forwarder->mtu, 1420u);
  EXPECT_EQ(forwarder->sshPort, 22u);
  EXPECT_EQ(parseForwarderSettings({{"protocol_version", 1}, {"address", "10.99.0.8/24"}, {"mtu", 1420}}).error(),
            "field \"ssh_port\" must be an integer from 1 to 65535");
  EXPECT_EQ(parseIdleSettings(toJson(IdleSettings{kProtocolVersion}))->protocolVersion, kProtocolVersion);
  EXPECT_EQ(parseIdleSettings(nlohmann::json::object()).error(),
            "field \"protocol_version\" must be an integer from 0 to 1000000");
}

TEST(ProtocolVersionTest, TheCompatibilityRuleHolds) {
  EXPECT_TRUE(supervisorAccepts(kProtocolVersion));
  EXPECT_FALSE(supervisorAccepts(kOldestWorkerProtocol - 1));
  EXPECT_FALSE(supervisorAccepts(kProtocolVersion + 1));
  EXPECT_TRUE(workerAccepts(kProtocolVersion));
  EXPECT_TRUE(workerAccepts(kProtocolVersion + 1));
  EXPECT_FALSE(workerAccepts(kProtocolVersion - 1));
}

}  // namespace
}  // namespace nefia::ipc
