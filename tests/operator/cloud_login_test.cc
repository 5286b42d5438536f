// `nefia login`: the URL and key checks with their texts, the 0600 file, and a file readable by others refused.
#include "operator/cloud_login.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace nefia::hub {
namespace {

const std::string kKey = "nfk_" + std::string(43, 'a');

class CloudLoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-login-test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string directory_;
};

TEST_F(CloudLoginTest, SavesAndLoadsWithOwnerOnlyMode) {
  const std::string state = directory_ + "/operator";
  EXPECT_FALSE(loadCloudLogin(state).value().has_value()) << "never logged in";
  ASSERT_TRUE(saveCloudLogin(state, {"https://192.0.2.1:8443", kKey}).ok());
  struct stat info {};
  ASSERT_EQ(stat((state + "/cloud-login.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto loaded = loadCloudLogin(state).value();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->cloudApiBase, "https://192.0.2.1:8443");
  EXPECT_EQ(loaded->apiKey, kKey);
  ASSERT_EQ(chmod((state + "/cloud-login.json").c_str(), 0644), 0);
  EXPECT_EQ(loadCloudLogin(state).error(),
            state + "/cloud-login.json is readable by other users: chmod 600 it or run `nefia login` again");
}

TEST_F(CloudLoginTest, RefusesWhatIsNotAnHttpsUrlOrAnApiKey) {
  EXPECT_EQ(validateCloudLogin({"http://cloud.example.com", kKey}).error(),
            "--cloud http://cloud.example.com: must be an https:// URL (for example https://cloud.example.com:8443)");
  EXPECT_EQ(validateCloudLogin({"https://cloud.example.com/", kKey}).error(),
            "--cloud https://cloud.example.com/: leave out the trailing slash");
  EXPECT_EQ(validateCloudLogin({"https://cloud.example.com", "nfk_short"}).error(),
            "--api-key: not an API key (expected nfk_ and 43 characters, as printed by `nefia-cloud apikey create`)");
  EXPECT_FALSE(saveCloudLogin(directory_, {"https://x", "nfk_" + std::string(42, 'a') + "!"}).ok());
  EXPECT_TRUE(validateCloudLogin({"https://cloud.example.com", kKey}).ok());
}

}  // namespace
}  // namespace nefia::hub
