// Tests for the per-platform default log path from the reference's "Log Rotation" table.
// Uses explicit environments, never the test runner's own HOME.
#include "common/logging/log_file_path.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

TEST(LogFilePathTest, LinuxPrefersAbsoluteXdgStateHome) {
  auto path = defaultLogFilePath(LogPathEnvironment{LogPlatform::kLinux, "/home/ann", "/srv/state", ""});
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path.value(), "/srv/state/nefia/agent.log");
}

TEST(LogFilePathTest, LinuxFallsBackToLocalStateUnderHome) {
  auto unset = defaultLogFilePath(LogPathEnvironment{LogPlatform::kLinux, "/home/ann", "", ""});
  ASSERT_TRUE(unset.ok());
  EXPECT_EQ(unset.value(), "/home/ann/.local/state/nefia/agent.log");
  auto relative = defaultLogFilePath(LogPathEnvironment{LogPlatform::kLinux, "/home/ann", "state", ""});
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative.value(), "/home/ann/.local/state/nefia/agent.log");
}

TEST(LogFilePathTest, MacOsAndWindowsLocations) {
  auto mac = defaultLogFilePath(LogPathEnvironment{LogPlatform::kMacOs, "/Users/ann", "", ""});
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(mac.value(), "/Users/ann/Library/Logs/nefia/agent.log");
  auto windows = defaultLogFilePath(LogPathEnvironment{LogPlatform::kWindows, "", "", "C:\\Users\\ann\\AppData\\Local"});
  ASSERT_TRUE(windows.ok());
  EXPECT_EQ(windows.value(), "C:\\Users\\ann\\AppData\\Local\\nefia\\logs\\agent.log");
}

TEST(LogFilePathTest, NoHomeIsAnErrorThatSuggestsTheFlag) {
  auto path = defaultLogFilePath(LogPathEnvironment{LogPlatform::kLinux, "", "", ""});
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.error().find("--log-file"), std::string::npos);
}

}  // namespace
}  // namespace nefia
