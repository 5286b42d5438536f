// The enroll sequence's user-visible edges: a malformed token prints the reference's text and resolution, declining
// the confirmation sends nothing, the pending key goes after a final refusal and stays after a retryable one (with
// a fake hub), the hairpin rule, and an unproven tunnel's message.
#include "supervisor/enroll/enrollment.h"

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "common/invite/enroll_errors.h"
#include "common/invite/invite_token.h"
#include "supervisor/enroll/host_facts.h"
#include "supervisor/enroll/pending_key.h"
#include "supervisor/enroll/tunnel_probe.h"
#include "tests/supervisor/enroll/fake_hub.h"
#include "workers/tunnel/crypto.h"

namespace nefia::enroll {
namespace {

TEST(Enrollment, MalformedTokenGivesTheReferencesErrorAndResolution) {
  EnrollPlan plan;
  plan.token = "eyJub3QiOiJhIHRva2VuIn0";
  plan.configPath = "/nonexistent/agent.yaml";
  std::ostringstream out, err;
  EXPECT_EQ(runEnrollment(plan, out, err), kExitFailed);
  EXPECT_NE(err.str().find("Error: invalid token signature (malformed invite token: "), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("\nResolution: Copy the full token string again from the operator\n"), std::string::npos);
  EXPECT_EQ(out.str(), "");
}

TEST(Enrollment, DecliningTheConfirmationSendsNothing) {
  invite::InvitePayload payload;
  payload.hostName = "db1";
  payload.os = "linux";
  payload.nonce = "n";
  payload.expiresAt = 2000000000;
  payload.enrollAddresses = {"192.0.2.1:19820"};
  payload.operatorPublicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
  payload.operatorVpnAddr = "10.99.0.1";
  payload.hubCertSha256 = std::string(64, '0');
  EnrollPlan plan;
  plan.token = invite::signInviteToken(payload, Key32());
  std::string asked;
  plan.confirm = [&asked](const std::string& question) {
    asked = question;
    return false;
  };
  std::ostringstream out, err;
  EXPECT_EQ(runEnrollment(plan, out, err), kExitFailed);
  EXPECT_EQ(asked, "Enroll this host as \"db1\" with the operator at 192.0.2.1:19820? [y/N] ");
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find("cancelled"), std::string::npos);
}

// Enrolls against hub (which answers once) with a token that pins it; the config goes into a fresh directory.
class PendingKeyAfterRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-enroll-refusal-XXXXXX";
    directory_ = ::mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  int enrollWith(const FakeHub& hub, std::ostringstream& err) {
    invite::InvitePayload payload;
    payload.hostName = "db1";
    payload.os = "linux";
    payload.nonce = "n1";
    payload.expiresAt = 4000000000;
    payload.enrollAddresses = {hub.address()};
    payload.operatorPublicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
    payload.operatorVpnAddr = "10.99.0.1";
    payload.hubCertSha256 = hub.pin();
    EnrollPlan plan;
    plan.token = invite::signInviteToken(payload, Key32());
    plan.configPath = configPath();
    plan.sshAddr = "127.0.0.1:1";
    std::ostringstream out;
    return runEnrollment(plan, out, err);
  }
  std::string configPath() const { return directory_ + "/agent.yaml"; }
  std::string directory_;
};

TEST_F(PendingKeyAfterRefusal, AFinalRefusalRemovesTheKeyAndSaysSo) {
  for (const std::string_view error : {invite::kErrorTokenExpired, invite::kErrorNonceReused}) {
    const std::string body = R"({"error":")" + std::string(error) + R"("})";
    FakeHub hub(body, body.size());
    std::ostringstream err;
    EXPECT_EQ(enrollWith(hub, err), kExitFailed);
    EXPECT_NE(err.str().find("Error: " + std::string(error) + "\n"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("Removed the enrollment key " + pendingKeyPath(configPath()) +
                             ": this token cannot succeed any more.\n"), std::string::npos) << err.str();
    struct stat info {};
    EXPECT_NE(::stat(pendingKeyPath(configPath()).c_str(), &info), 0) << "a private key left behind for " << error;
  }
}

TEST_F(PendingKeyAfterRefusal, ARetryableRefusalKeepsTheKeyAndSaysWhy) {
  const std::string body = R"({"error":"too many enrollment requests"})";
  FakeHub hub(body, body.size());
  std::ostringstream err;
  EXPECT_EQ(enrollWith(hub, err), kExitFailed);
  EXPECT_NE(err.str().find("Resolution: Wait 30 seconds and retry\n"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("The enrollment key is kept in " + pendingKeyPath(configPath()) +
                           " (mode 0600) so that a retry with the same token presents the same key"),
            std::string::npos) << err.str();
  struct stat info {};
  ASSERT_EQ(::stat(pendingKeyPath(configPath()).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(HostFacts, HairpinRule) {
  EXPECT_EQ(localEndpointFor("", "203.0.113.5", 51820), "");
  EXPECT_EQ(localEndpointFor("203.0.113.5", "203.0.113.5", 51820), "");
  EXPECT_EQ(localEndpointFor("192.168.1.7", "", 51820), "192.168.1.7:51820");
  EXPECT_EQ(localEndpointFor("fd00::7", "", 51820), "[fd00::7]:51820");
  EXPECT_EQ(discoverLocalIp("127.0.0.1"), "") << "loopback is no LAN endpoint";
  EXPECT_FALSE(collectHostFacts().agentVersion.empty());
}

TEST(TunnelProbe, SilentOperatorGivesTheUdpReachabilityMessage) {
  wg::initializeCrypto();
  TunnelProbe probe;
  probe.privateKey = wg::generatePrivateKey();
  probe.listenPort = 0;
  probe.agentVpnAddr = "10.99.0.2";
  const Key32 operatorKey = wg::publicKeyFor(wg::generatePrivateKey());
  char encoded[64];
  sodium_bin2base64(encoded, sizeof encoded, operatorKey.data(), operatorKey.size(), sodium_base64_VARIANT_ORIGINAL);
  probe.operatorPublicKey = encoded;
  probe.operatorEndpoint = "127.0.0.1:9";  // discard: nothing answers
  probe.operatorVpnAddr = "10.99.0.1";
  probe.deadline = std::chrono::milliseconds(300);
  const Status status = proveTunnel(probe);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("no WireGuard handshake with the operator at 127.0.0.1:9"), std::string::npos);
  EXPECT_NE(status.error().find("UDP"), std::string::npos);
}

}  // namespace
}  // namespace nefia::enroll
