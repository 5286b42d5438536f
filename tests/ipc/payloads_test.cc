// Tests for ipc/payloads and ipc/json_fields: builders and strict parsers agree, bounds hold, log text is safe.
#include "ipc/payloads.h"

#include <gtest/gtest.h>

#include "ipc/json_fields.h"

namespace nefia::ipc {
namespace {

const std::string kPeerKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

TEST(PayloadsTest, EveryBuilderRoundTripsThroughItsParser) {
  Result<ReadyPayload> ready = parseReady(toJson(ReadyPayload{1, 4242, {true, 3, "nobody"}}));
  ASSERT_TRUE(ready.ok()) << ready.error();
  EXPECT_EQ(ready->protocolVersion, 1u);
  EXPECT_EQ(ready->pid, 4242u);
  EXPECT_TRUE(ready->sandbox.seccomp);
  EXPECT_EQ(ready->sandbox.landlockAbi, 3u);
  EXPECT_EQ(ready->sandbox.workerUser, "nobody");

  Result<LogPayload> log = parseLog(toJson(LogPayload{LogLevel::kWarn, "disk almost full"}));
  ASSERT_TRUE(log.ok()) << log.error();
  EXPECT_EQ(log->level, LogLevel::kWarn);
  EXPECT_EQ(log->message, "disk almost full");

  StatusReportPayload tunnelReport{7, {}, TunnelStatus{{PeerStatus{kPeerKey, "10.99.0.1", "192.0.2.1:51820",
                                                                   1795086000000, 10, 20}}}};
  Result<StatusReportPayload> tunnel = parseStatusReport(toJson(tunnelReport), Role::kTunnel);
  ASSERT_TRUE(tunnel.ok()) << tunnel.error();
  EXPECT_EQ(tunnel->requestId, 7u);
  ASSERT_EQ(std::get<TunnelStatus>(tunnel->details).peers.size(), 1u);
  EXPECT_EQ(std::get<TunnelStatus>(tunnel->details).peers[0].endpoint, "192.0.2.1:51820");

  Result<StatusReportPayload> forwarder =
      parseStatusReport(toJson(StatusReportPayload{8, {}, ForwarderStatus{3, 1}}), Role::kForwarder);
  ASSERT_TRUE(forwarder.ok()) << forwarder.error();
  EXPECT_EQ(std::get<ForwarderStatus>(forwarder->details).activeConnections, 3u);

  EXPECT_EQ(parseConnectRequest(toJson(ConnectRequestPayload{9}))->requestId, 9u);
  EXPECT_EQ(parseHandOverFd(toJson(HandOverFdPayload{HandedFd::kPacketLink}))->role, HandedFd::kPacketLink);
  EXPECT_EQ(parseConnectResult(toJson(ConnectResultPayload{10, false, "connection refused"}))->error,
            "connection refused");
  EXPECT_EQ(parseStatusRequest(toJson(StatusRequestPayload{11}))->requestId, 11u);
  EXPECT_EQ(parseShutdown(toJson(ShutdownPayload{30000}))->drainMs, 30000u);
  EXPECT_TRUE(parseShutdownComplete(toJson(ShutdownCompletePayload{})).ok());
}

TEST(PayloadsTest, FieldErrorsNameTheFieldAndTheRule) {
  EXPECT_EQ(parseLog({{"level", "verbose"}, {"message", "x"}}).error(),
            "field \"level\" must be one of debug, info, warn, error");
  EXPECT_EQ(parseLog({{"level", "info"}}).error(), "field \"message\" must be a string");
  EXPECT_EQ(parseLog({{"level", "info"}, {"message", std::string(kMaxLogMessageBytes + 1, 'a')}}).error(),
            "field \"message\" must be at most 8192 bytes long");
  EXPECT_EQ(parseLog({{"level", "info"}, {"message", "forged\n2026-11-26T00:00:00Z INFO supervisor: x"}}).error(),
            "field \"message\" must not contain control characters");
  EXPECT_EQ(parseReady({{"protocol_version", 1}, {"pid", -1}, {"sandbox", nlohmann::json::object()}}).error(),
            "field \"pid\" must be an integer from 1 to 4194304");
  EXPECT_EQ(parseReady({{"protocol_version", 1}, {"pid", 0}, {"sandbox", nlohmann::json::object()}}).error(),
            "field \"pid\" must be an integer from 1 to 4194304");
  EXPECT_EQ(parseReady({{"protocol_version", 1}, {"pid", 12}}).error(), "field \"sandbox\" must be an object");
  EXPECT_EQ(parseConnectRequest({{"request_id", "7"}}).error(),
            "field \"request_id\" must be an integer from 0 to 18446744073709551615");
  EXPECT_EQ(parseShutdown({{"drain_ms", 300001}}).error(), "field \"drain_ms\" must be an integer from 0 to 300000");
  EXPECT_EQ(parseHandOverFd({{"role", "tcp"}}).error(), "field \"role\" must be udp_socket or packet_link");
  EXPECT_EQ(parseConnectResult({{"request_id", 1}, {"ok", false}, {"error", ""}}).error(),
            "field \"error\" must say why when \"ok\" is false");
  EXPECT_EQ(parseStatusReport({{"request_id", 1}}, Role::kForwarder).error(),
            "field \"active_connections\" must be an integer from 0 to 18446744073709551615");
  nlohmann::json badPeer = {{"request_id", 1},
                            {"peers", {{{"public_key", "not-a-key"}, {"vpn_addr", ""}, {"endpoint", ""},
                                        {"last_handshake_unix_ms", 0}, {"rx_bytes", 0}, {"tx_bytes", 0}}}}};
  EXPECT_EQ(parseStatusReport(badPeer, Role::kTunnel).error(),
            "peers[0]: field \"public_key\" must be a base64 WireGuard key");
}

TEST(PayloadsTest, ParseJsonObjectRejectsWhatIsNotOneShallowObject) {
  EXPECT_EQ(parseJsonObject("{\"level\":").error(), "malformed JSON");
  EXPECT_EQ(parseJsonObject("[1,2]").error(), "JSON that is not an object");
  EXPECT_EQ(parseJsonObject("\"\xff\"").error(), "malformed JSON");
  EXPECT_EQ(parseJsonObject(std::string(17, '[') + std::string(17, ']')).error(),
            "JSON nested deeper than 16 levels");
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(parseJsonObject("{\"message\":\"" + std::string(40, '[') + "\"}").ok());
}

TEST(PayloadsTest, MakeLogPayloadAlwaysProducesWhatParseLogAccepts) {
  LogPayload payload = makeLogPayload(LogLevel::kInfo, "line one\nline two\r\x01\ttab \xff end");
  EXPECT_EQ(payload.message, "line one\\nline two\\r\\x01\ttab \\xFF end");
  EXPECT_TRUE(parseLog(toJson(payload)).ok());

  // Cut at the limit without splitting a multi-byte character ("é" is two bytes).
  std::string longText(kMaxLogMessageBytes - 1, 'a');
  longText += "\xc3\xa9 and more";
  payload = makeLogPayload(LogLevel::kError, longText);
  EXPECT_EQ(payload.message, std::string(kMaxLogMessageBytes - 1, 'a'));
  EXPECT_TRUE(parseLog(toJson(payload)).ok());

  // Invalid UTF-8 at the end of a long line cannot grow the line past the limit.
  payload = makeLogPayload(LogLevel::kError, std::string(kMaxLogMessageBytes, '\xff'));
  EXPECT_LE(payload.message.size(), kMaxLogMessageBytes);
  EXPECT_TRUE(parseLog(toJson(payload)).ok());
}

}  // namespace
}  // namespace nefia::ipc
