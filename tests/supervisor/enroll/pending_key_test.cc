// Tests for the pending enrollment key: a retry with the same token reuses the key (so the hub's idempotent
// path applies), another token gets a fresh key, the file is 0600 and goes away once the config is written.
#include "supervisor/enroll/pending_key.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

namespace nefia::enroll {
namespace {

class PendingKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-pending-XXXXXX";
    directory_ = mkdtemp(pattern);
    config_ = directory_ + "/agent.yaml";
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string directory_;
  std::string config_;
};

TEST_F(PendingKeyTest, RetryWithTheSameNonceReusesTheKey) {
  auto first = loadOrCreatePendingKey(config_, "nonce-1");
  auto again = loadOrCreatePendingKey(config_, "nonce-1");
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_TRUE(first->equals(again.value()));
  struct stat info{};
  ASSERT_EQ(stat(pendingKeyPath(config_).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(PendingKeyTest, AnotherNonceGetsAFreshKeyAndRemovalForgetsIt) {
  auto first = loadOrCreatePendingKey(config_, "nonce-1");
  auto other = loadOrCreatePendingKey(config_, "nonce-2");
  ASSERT_TRUE(first.ok() && other.ok());
  EXPECT_FALSE(first->equals(other.value()));
  removePendingKey(config_);
  EXPECT_FALSE(std::filesystem::exists(pendingKeyPath(config_)));
  auto fresh = loadOrCreatePendingKey(config_, "nonce-2");
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->equals(other.value()));
}

TEST_F(PendingKeyTest, UnwritableDirectoryIsAClearError) {
  auto key = loadOrCreatePendingKey(directory_ + "/missing/agent.yaml", "nonce");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().find("cannot keep the enrollment key"), std::string::npos) << key.error();
}

}  // namespace
}  // namespace nefia::enroll
