// The hub's enrollment decisions with a fake WireGuard interface: success (address, peer, known_hosts, state),
// every error of the reference's table, idempotent retry, replay after a hub restart, removal, SSH host key TOFU
// and reinvite consent, peer restoration.
#include "operator/enrollment_service.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/invite/enroll_errors.h"
#include "operator/vpn_commands.h"
#include "tests/operator/fake_wireguard.h"

namespace nefia::hub {
namespace {

constexpr int64_t kNow = 1800000000;
const std::string kOperatorKey = kFakeOperatorKey;
const std::string kAgentKey1 = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";
const std::string kAgentKey2 = "gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=";
const std::string kSshKeyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const std::string kSshKeyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7Q0b6cM3pPuLCmY1R4cmK3F3y4fEhLKGGvCUX2Dm1x";

class EnrollmentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-hub-test-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    files_ = std::make_unique<HubFiles>(directory_);
    ASSERT_TRUE(initHub(*files_, {"nwg0", "10.99.0.1/24", {"192.0.2.1:19820"}, ""}).ok());
    secret_ = files_->loadOrCreateSecret().value();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string invite(const std::string& name, bool reinvite = false, std::chrono::seconds ttl = std::chrono::hours(1)) {
    Result<std::string> token = createInvite(*files_, wireguard_, {name, "linux", ttl, false, reinvite}, kNow);
    EXPECT_TRUE(token.ok()) << token.error();
    return token.ok() ? token.value() : "";
  }
  invite::EnrollResponse enroll(const std::string& token, const std::string& key, const std::string& sshKey = kSshKeyA,
                                int64_t now = kNow + 10) {
    invite::EnrollRequest request;
    request.token = token;
    request.publicKey = key;
    request.listenPort = 51820;
    request.sshHostKeys = {sshKey};
    request.localEndpoint = "192.168.1.7:51820";
    EnrollmentService service(*files_, secret_, wireguard_);
    return service.enroll(request, "192.0.2.2", now);
  }

  std::string directory_;
  std::unique_ptr<HubFiles> files_;
  Key32 secret_;
  FakeWireGuard wireguard_;
};

TEST_F(EnrollmentServiceTest, EnrollsAddsThePeerAndRecordsTheHost) {
  const invite::EnrollResponse response = enroll(invite("db1"), kAgentKey1);
  ASSERT_EQ(response.error, "");
  EXPECT_EQ(response.address, "10.99.0.2/24");
  EXPECT_EQ(response.operatorPublicKey, kOperatorKey);
  EXPECT_EQ(response.operatorEndpoint, "192.0.2.1:51821");
  EXPECT_EQ(response.operatorVpnAddr, "10.99.0.1");
  ASSERT_EQ(wireguard_.peers_.size(), 1u);
  EXPECT_EQ(wireguard_.peers_[0].allowedIps, "10.99.0.2/32");
  EXPECT_EQ(wireguard_.peers_[0].endpoint, "192.0.2.2:51820");
  const HubState state = files_->loadState().value();
  ASSERT_EQ(state.hosts.size(), 1u);
  EXPECT_EQ(state.hosts[0].localEndpoint, "192.168.1.7:51820");
  EXPECT_TRUE(state.invites.empty());
  EXPECT_EQ(readWholeFile(files_->knownHostsPath(), 4096).value(), "db1,10.99.0.2 " + kSshKeyA + "\n");
  EXPECT_EQ(enroll(invite("web"), kAgentKey2).address, "10.99.0.3/24");
}

TEST_F(EnrollmentServiceTest, TheReferencesErrors) {
  const std::string token = invite("db1");
  std::string tampered = token;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(enroll(tampered, kAgentKey1).error, invite::kErrorInvalidSignature);
  EXPECT_EQ(enroll("garbage", kAgentKey1).error, invite::kErrorInvalidSignature);
  EXPECT_EQ(enroll(token, kAgentKey1, kSshKeyA, kNow + 3600).error, invite::kErrorTokenExpired);
  ASSERT_EQ(enroll(token, kAgentKey1).error, "");
  EXPECT_EQ(enroll(token, kAgentKey2).error, invite::kErrorNonceReused);
  invite::InvitePayload payload = invite::parseInviteToken(token).value();
  payload.nonce.clear();
  EXPECT_EQ(enroll(invite::signInviteToken(payload, secret_), kAgentKey2).error, invite::kErrorEmptyNonce);
}

TEST_F(EnrollmentServiceTest, SameNonceAndKeyIsIdempotentEvenAfterARestart) {
  const std::string token = invite("db1");
  const invite::EnrollResponse first = enroll(token, kAgentKey1);
  ASSERT_EQ(first.error, "");
  // A new service object reads the persisted nonce store, like a restarted hub.
  EXPECT_EQ(enroll(token, kAgentKey1), first);
  EXPECT_EQ(enroll(token, kAgentKey2).error, invite::kErrorNonceReused);
}

TEST_F(EnrollmentServiceTest, RemovedHostsTokensAreRefused) {
  const std::string token = invite("db1");
  ASSERT_TRUE(removeHost(*files_, wireguard_, "db1").ok());
  EXPECT_EQ(enroll(token, kAgentKey1).error, invite::kErrorValidationFailed);
  const std::string enrolledToken = invite("web");
  ASSERT_EQ(enroll(enrolledToken, kAgentKey1).error, "");
  ASSERT_TRUE(removeHost(*files_, wireguard_, "web").ok());
  EXPECT_TRUE(wireguard_.peers_.empty());
  EXPECT_EQ(readWholeFile(files_->knownHostsPath(), 4096).value(), "");
  EXPECT_FALSE(removeHost(*files_, wireguard_, "web").ok());
}

TEST_F(EnrollmentServiceTest, ChangedSshHostKeyNeedsReinvite) {
  ASSERT_EQ(enroll(invite("db1"), kAgentKey1).error, "");
  EXPECT_FALSE(createInvite(*files_, wireguard_, {"db1", "linux", std::chrono::hours(1), false, false}, kNow).ok());
  const std::string again = invite("db1", /*reinvite=*/true);
  ASSERT_EQ(enroll(again, kAgentKey2, kSshKeyB).error, "");
  EXPECT_EQ(readWholeFile(files_->knownHostsPath(), 4096).value(), "db1,10.99.0.2 " + kSshKeyB + "\n");
  ASSERT_EQ(wireguard_.peers_.size(), 1u) << "the old key's peer is replaced";
  EXPECT_EQ(wireguard_.peers_[0].publicKey, kAgentKey2);
}

TEST_F(EnrollmentServiceTest, ChangedSshHostKeyWithoutConsentIsRefused) {
  ASSERT_EQ(enroll(invite("db1"), kAgentKey1).error, "");
  ASSERT_TRUE(files_->updateState([](HubState& state) {
    state.invites.push_back({"n-forged-by-test", "db1", kNow + 100});
    return Status::success();
  }).ok());
  invite::InvitePayload payload = invite::parseInviteToken(invite("other")).value();
  payload.hostName = "db1";
  payload.nonce = "n-forged-by-test";
  EXPECT_EQ(enroll(invite::signInviteToken(payload, secret_), kAgentKey2, kSshKeyB).error,
            invite::kErrorValidationFailed);
  EXPECT_EQ(readWholeFile(files_->knownHostsPath(), 4096).value(), "db1,10.99.0.2 " + kSshKeyA + "\n");
}

TEST_F(EnrollmentServiceTest, RestoresPeersMissingFromTheInterface) {
  ASSERT_EQ(enroll(invite("db1"), kAgentKey1).error, "");
  ASSERT_EQ(enroll(invite("web"), kAgentKey2).error, "");
  wireguard_.peers_.clear();
  EnrollmentService service(*files_, secret_, wireguard_);
  EXPECT_EQ(service.restorePeers().value(), 2);
  EXPECT_EQ(wireguard_.peers_.size(), 2u);
  EXPECT_EQ(service.restorePeers().value(), 0);
}

TEST_F(EnrollmentServiceTest, StatusShowsHandshakesAndStalePeers) {
  ASSERT_EQ(enroll(invite("db1"), kAgentKey1).error, "");
  ASSERT_EQ(enroll(invite("web"), kAgentKey2).error, "");
  ASSERT_EQ(enroll(invite("cache"), "YLI8dNfUjZ6ioKmJuZXgxyaO+FPGAtqVHYwTcqq3F2M=").error, "");
  wireguard_.peers_[0].latestHandshake = kNow - 12;
  wireguard_.peers_[1].latestHandshake = kNow - 181;
  const std::string table = renderStatus(*files_, wireguard_, kNow).value();
  EXPECT_NE(table.find("db1                 10.99.0.2       192.0.2.2:51820         12s ago\n"), std::string::npos)
      << table;
  EXPECT_NE(table.find("web                 10.99.0.3       192.0.2.2:51820         3m1s ago  STALE\n"), std::string::npos)
      << table;
  EXPECT_NE(table.find("cache               10.99.0.4       192.0.2.2:51820         never  STALE\n"), std::string::npos)
      << table;
}

TEST(EnrollmentHelpers, HairpinAndAddressAllocation) {
  EXPECT_EQ(hairpinLocalEndpoint("", "203.0.113.5"), "");
  EXPECT_EQ(hairpinLocalEndpoint("203.0.113.5:51820", "203.0.113.5"), "");
  EXPECT_EQ(hairpinLocalEndpoint("192.168.1.7:51820", "203.0.113.5"), "192.168.1.7:51820");
  EXPECT_EQ(allocateVpnAddress("10.99.0.1/24", {}).value(), "10.99.0.2");
  EXPECT_EQ(allocateVpnAddress("10.99.0.5/24", {"10.99.0.1"}).value(), "10.99.0.2");
  EXPECT_FALSE(allocateVpnAddress("10.99.0.1/30", {"10.99.0.2"}).ok());
}

TEST(WgDump, ParsesPeers) {
  const std::string dump = "priv\tpub\t51821\toff\n"
                           "KEY=\t(none)\t192.0.2.2:51820\t10.99.0.2/32\t1800000000\t100\t200\toff\n";
  Result<std::vector<WireGuardPeerInfo>> peers = parseWgDump(dump);
  ASSERT_TRUE(peers.ok());
  ASSERT_EQ(peers->size(), 1u);
  EXPECT_EQ((*peers)[0].endpoint, "192.0.2.2:51820");
  EXPECT_EQ((*peers)[0].latestHandshake, 1800000000);
  EXPECT_FALSE(parseWgDump("x\nonly\tthree\tfields\n").ok());
}

}  // namespace
}  // namespace nefia::hub
