// Tests for backup naming, discovery and the pruning decision (count and age, 0 = no limit).
// Pure decisions are tested without a sink; only listing touches a temp directory.
#include "common/logging/log_backups.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/common/logging/log_test_support.h"

namespace nefia {
namespace {

using testing_support::fixedInstant;
using testing_support::TempDirectory;
using std::chrono::hours;

TEST(LogBackupsTest, NameCarriesTheUtcTimestampWithMilliseconds) {
  EXPECT_EQ(logBackupPath("/var/log/nefia/agent.log", fixedInstant()),
            "/var/log/nefia/agent-2026-11-26T11-13-25.123.log");
  EXPECT_EQ(logBackupPath("agent", fixedInstant()), "agent-2026-11-26T11-13-25.123");
}

TEST(LogBackupsTest, ListsOnlyThisLogsBackupsNewestFirst) {
  TempDirectory directory;
  const std::string logPath = directory.path() + "/agent.log";
  for (const char* name : {"agent.log", "agent-2026-11-20T01-02-03.004.log.gz", "agent-2026-11-25T01-02-03.004.log",
                           "agent-notes.log", "agent-2026-13-25T01-02-03.004.log", "other-2026-11-25T01-02-03.004.log",
                           "agent-debug-2026-11-25T01-02-03.004.log", "agent-2026-11-24T01-02-03.004.log.gz.tmp"}) {
    std::ofstream(directory.path() + "/" + name) << "x";
  }
  const auto backups = listLogBackups(logPath);
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(backups[0].path, directory.path() + "/agent-2026-11-25T01-02-03.004.log");
  EXPECT_FALSE(backups[0].compressed);
  EXPECT_EQ(backups[1].path, directory.path() + "/agent-2026-11-20T01-02-03.004.log.gz");
  EXPECT_TRUE(backups[1].compressed);
  EXPECT_EQ(logBackupPath(logPath, backups[1].rotatedAt), directory.path() + "/agent-2026-11-20T01-02-03.004.log");
}

std::vector<LogBackup> dailyBackups(int count) {
  std::vector<LogBackup> backups;
  for (int day = 0; day < count; ++day) {
    backups.push_back(LogBackup{"backup" + std::to_string(day), fixedInstant() - hours(24) * day, true});
  }
  return backups;
}

TEST(LogBackupsTest, PrunesBeyondTheCountOldestFirst) {
  const auto doomed = selectBackupsToPrune(dailyBackups(6), 4, 0, fixedInstant());
  ASSERT_EQ(doomed.size(), 2u);
  EXPECT_EQ(doomed[0].path, "backup4");
  EXPECT_EQ(doomed[1].path, "backup5");
}

TEST(LogBackupsTest, PrunesOlderThanTheAgeLimit) {
  const auto doomed = selectBackupsToPrune(dailyBackups(6), 0, 3, fixedInstant() + hours(1));
  ASSERT_EQ(doomed.size(), 3u);
  EXPECT_EQ(doomed[0].path, "backup3");
}

TEST(LogBackupsTest, ZeroMeansNoLimitForCountAndAge) {
  EXPECT_TRUE(selectBackupsToPrune(dailyBackups(50), 0, 0, fixedInstant() + hours(24) * 1000).empty());
}

}  // namespace
}  // namespace nefia
