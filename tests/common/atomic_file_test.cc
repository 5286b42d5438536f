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

// Issue 12 item 8: a FIFO hung the reader in open(2).
TEST_F(AtomicFileTest, ReadRefusesFifosAtOnce) {
  const std::string fifo = directory_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ReadFailure failure = ReadFailure::kNone;
  auto read = readWholeFile(fifo, 100, &failure);  // before the fix: blocks forever (ctest's timeout)
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(failure, ReadFailure::kNotRegularFile);
  EXPECT_EQ(read.error(), fifo + " is a FIFO (named pipe), not a regular file; give the path of a regular file");
}

// Issue 12 item 9: agent-health.json.tmp.* stayed forever after a kill -9 in the middle of a write.
TEST_F(AtomicFileTest, LeftoverTempFilesOfDeadWritersAreRemoved) {
  const std::string path = directory_ + "/agent-health.json";
  const std::string dead = path + ".tmp.999999999.12345";  // no such pid (above pid_max)
  const std::string alive = path + ".tmp.1.777";           // init: a live writer, kept
  const std::string other = directory_ + "/agent.yaml.tmp.999999999.1";
  for (const std::string& file : {dead, alive, other}) ASSERT_TRUE(writeFileAtomically(file, "x", 0600).ok());
  EXPECT_EQ(removeLeftoverTempFiles(path), std::vector<std::string>{dead});
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(alive));
  EXPECT_TRUE(std::filesystem::exists(other)) << "another file's temp files are not ours to judge";
}

}  // namespace
}  // namespace nefia
