// Tests for common/atomic_file: mode, replacement, and no temp file left behind on failure.
#include "common/atomic_file.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

namespace nefia {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-atomic-XXXXXX";
    directory_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string directory_;
};

TEST_F(AtomicFileTest, WritesWithModeAndReplaces) {
  const std::string path = directory_ + "/agent.yaml";
  ASSERT_TRUE(writeFileAtomically(path, "first", 0600).ok());
  ASSERT_TRUE(writeFileAtomically(path, "second", 0600).ok());
  struct stat info{};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto contents = readWholeFile(path, 100);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents.value(), "second");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_), {}), 1);
}

TEST_F(AtomicFileTest, FailureNamesThePathAndLeavesNothing) {
  const Status status = writeFileAtomically(directory_ + "/missing/agent.yaml", "x", 0600);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find("missing/agent.yaml.tmp"), std::string::npos) << status.error();
}

TEST_F(AtomicFileTest, ReadRefusesOversizedFiles) {
  const std::string path = directory_ + "/big";
  ASSERT_TRUE(writeFileAtomically(path, std::string(200, 'x'), 0600).ok());
  auto contents = readWholeFile(path, 100);
  ASSERT_FALSE(contents.ok());
  EXPECT_NE(contents.error().find("larger than 100 bytes"), std::string::npos);
}

}  // namespace
}  // namespace nefia
