// uninstall-service's confirmation on a terminal (answer read from the given stream) and the refusal without
// --yes off a terminal. The service paths point into a scratch directory where no unit is installed.
#include "agent/commands/install_service_command.h"

#include <stdlib.h>

#include <filesystem>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nefia::agent {
namespace {

using testing::HasSubstr;

class UninstallServiceCommandTest : public ::testing::Test {
 protected:
  UninstallServiceCommandTest() {
    char pattern[] = "/tmp/nefia-uninstall-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    ::setenv("NEFIA_TEST_SERVICE_ROOT", directory_.c_str(), 1);  // system scope (root)
    ::setenv("HOME", directory_.c_str(), 1);                     // user scope
    ::unsetenv("XDG_CONFIG_HOME");
  }
  ~UninstallServiceCommandTest() override { std::filesystem::remove_all(directory_); }

  int run(bool yes, bool terminal, const std::string& answer) {
    cli::CommandLine line;
    line.command = cli::Command::kUninstallService;
    line.uninstall.yes = yes;
    std::istringstream in(answer);
    return runUninstallServiceCommand(line, terminal, in, out_, err_);
  }

  std::string directory_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(UninstallServiceCommandTest, OnATerminalAnsweringNoChangesNothing) {
  EXPECT_EQ(run(false, true, "n\n"), 1);
  EXPECT_THAT(out_.str(), HasSubstr("? Config, keys and logs are kept. [y/N] "));
  EXPECT_THAT(out_.str(), HasSubstr("Nothing was changed.\n"));
}

TEST_F(UninstallServiceCommandTest, OnATerminalAnsweringYesProceeds) {
  EXPECT_EQ(run(false, true, "y\n"), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("nothing to remove"));
}

TEST_F(UninstallServiceCommandTest, OffATerminalRefusesWithoutYes) {
  EXPECT_EQ(run(false, false, "y\n"), 1);
  EXPECT_EQ(err_.str(),
            "nefia-agent uninstall-service: refusing to remove the service without confirmation: standard input is "
            "not a terminal; pass --yes\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(UninstallServiceCommandTest, YesSkipsTheQuestion) {
  EXPECT_EQ(run(true, false, ""), 0) << err_.str();
  EXPECT_THAT(out_.str(), testing::Not(HasSubstr("[y/N]")));
}

}  // namespace
}  // namespace nefia::agent
