// known_hosts trust-on-first-use as the operator's ssh sees it: first key recorded, same key matches, a different
// key is "changed", replacement and removal keep other hosts' lines; OpenSSH fingerprints.
#include "operator/known_hosts.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "common/atomic_file.h"

namespace nefia::hub {
namespace {

const std::string kKeyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const std::string kKeyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7Q0b6cM3pPuLCmY1R4cmK3F3y4fEhLKGGvCUX2Dm1x";

class KnownHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-known-hosts-XXXXXX";
    directory_ = ::mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string path() const { return directory_ + "/known_hosts"; }
  std::string directory_;
};

TEST_F(KnownHostsTest, TrustOnFirstUseThenChangedKeyIsReported) {
  KnownHosts hosts(path());
  EXPECT_EQ(hosts.check({"db1"}, {kKeyA}).value(), HostKeyCheck::kUnknown);
  ASSERT_TRUE(hosts.replace({"db1", "10.99.0.2"}, {kKeyA + " root@db1"}).ok());
  EXPECT_EQ(hosts.check({"db1"}, {kKeyA}).value(), HostKeyCheck::kMatches);
  EXPECT_EQ(hosts.check({"10.99.0.2"}, {kKeyA}).value(), HostKeyCheck::kMatches);
  EXPECT_EQ(hosts.check({"db1"}, {kKeyB}).value(), HostKeyCheck::kChanged);
  EXPECT_EQ(readWholeFile(path(), 4096).value(), "db1,10.99.0.2 " + kKeyA + "\n");
}

TEST_F(KnownHostsTest, ReplaceAndRemoveKeepOtherHosts) {
  KnownHosts hosts(path());
  ASSERT_TRUE(hosts.replace({"db1", "10.99.0.2"}, {kKeyA}).ok());
  ASSERT_TRUE(hosts.replace({"web", "10.99.0.3"}, {kKeyA}).ok());
  ASSERT_TRUE(hosts.replace({"db1", "10.99.0.2"}, {kKeyB}).ok());
  EXPECT_EQ(readWholeFile(path(), 4096).value(), "web,10.99.0.3 " + kKeyA + "\ndb1,10.99.0.2 " + kKeyB + "\n");
  ASSERT_TRUE(hosts.remove({"db1"}).ok());
  EXPECT_EQ(readWholeFile(path(), 4096).value(), "web,10.99.0.3 " + kKeyA + "\n");
}

TEST_F(KnownHostsTest, ConcurrentReadersAndWritersSeeWholeFiles) {
  KnownHosts hosts(path());
  ASSERT_TRUE(hosts.replace({"db1"}, {kKeyA}).ok());
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(hosts.replace({"h" + std::to_string(i)}, {kKeyB}).ok());
  });
  for (int i = 0; i < 50; ++i) EXPECT_EQ(hosts.check({"db1"}, {kKeyA}).value(), HostKeyCheck::kMatches);
  writer.join();
  EXPECT_EQ(hosts.check({"h49"}, {kKeyB}).value(), HostKeyCheck::kMatches);
}

TEST(HostKeys, NormalizationAndOpenSshFingerprint) {
  EXPECT_EQ(normalizeHostKey(kKeyA + " comment"), kKeyA);
  EXPECT_EQ(normalizeHostKey("ssh-ed25519 not*base64"), "");
  EXPECT_EQ(normalizeHostKey("rsa AAAA"), "");
  // ssh-keygen -lf of kKeyA.
  EXPECT_EQ(hostKeyFingerprint(kKeyA), "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU");
}

}  // namespace
}  // namespace nefia::hub
