// Tests for --strict-permissions: who may read agent.yaml decides whether the agent starts.
// Each message must name the file, its mode and the chmod fix, and never the key.
#include "common/config/config_permissions.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "tests/common/config/config_test_support.h"

namespace nefia {
namespace {

class ConfigPermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-config-perm-XXXXXX";
    directory_ = mkdtemp(pattern);
    path_ = directory_ + "/agent.yaml";
    ASSERT_TRUE(writeFileAtomically(path_, "private_key: x\n", 0600).ok());
    plaintext_.privateKey = config_test::kAgentKey;
    keyring_.privateKey = "keyring:nefia-wireguard-key";
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  void setMode(mode_t mode) { ASSERT_EQ(::chmod(path_.c_str(), mode), 0); }

  std::string directory_;
  std::string path_;
  AgentConfig plaintext_;
  AgentConfig keyring_;
};

TEST_F(ConfigPermissionsTest, PrivateFileIsAccepted) {
  setMode(0600);
  auto verdict = checkConfigPermissions(path_, plaintext_, true);
  ASSERT_TRUE(verdict.ok()) << verdict.error();
  EXPECT_EQ(verdict->warning, "");
  setMode(0400);
  EXPECT_EQ(checkConfigPermissions(path_, plaintext_, true)->warning, "");
}

TEST_F(ConfigPermissionsTest, ReadablePlaintextKeyIsRefusedInStrictMode) {
  setMode(0644);
  auto verdict = checkConfigPermissions(path_, plaintext_, true);
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error(), "refusing to start: " + path_ +
                                 " has mode 0644 and holds a plaintext private_key that other users can read; "
                                 "run: chmod 600 " + path_ + " (or pass --strict-permissions=false to start anyway)");
  EXPECT_EQ(verdict.error().find(config_test::kAgentKey), std::string::npos);
  setMode(0640);
  EXPECT_FALSE(checkConfigPermissions(path_, plaintext_, true).ok()) << "group-readable counts too";
}

TEST_F(ConfigPermissionsTest, ReadableKeyringConfigOnlyWarns) {
  setMode(0644);
  auto verdict = checkConfigPermissions(path_, keyring_, true);
  ASSERT_TRUE(verdict.ok()) << verdict.error();
  EXPECT_EQ(verdict->warning, path_ + " has mode 0644 and is readable by other users; run: chmod 600 " + path_);
}

TEST_F(ConfigPermissionsTest, NonStrictModeOnlyWarnsAboutAPlaintextKey) {
  setMode(0604);
  auto verdict = checkConfigPermissions(path_, plaintext_, false);
  ASSERT_TRUE(verdict.ok()) << verdict.error();
  EXPECT_EQ(verdict->warning, path_ +
                                  " has mode 0604 and is readable by other users, including its plaintext "
                                  "private_key; run: chmod 600 " + path_);
}

TEST_F(ConfigPermissionsTest, MissingFileIsAnError) {
  auto verdict = checkConfigPermissions(directory_ + "/absent.yaml", plaintext_, true);
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error(), "cannot check permissions of " + directory_ + "/absent.yaml: No such file or directory");
}

}  // namespace
}  // namespace nefia
