// `enroll --install` after a good enrollment whose service install fails: the config stays and the message
// says how to retry. systemctl is made unavailable (empty PATH), so the failure is the real "cannot run" path.
#include "agent/commands/enroll_install.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nefia::agent {
namespace {

using testing::HasSubstr;

TEST(EnrollInstallTest, FailedInstallKeepsTheConfigAndSaysHowToRetry) {
  // In the build tree, not /tmp: the system unit refuses paths that PrivateTmp= hides.
  const std::string directory = std::filesystem::absolute("enroll-install-test").string();
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory + "/empty-path");
  const std::string configPath = directory + "/agent.yaml";
  std::ofstream(configPath) << "private_key: \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\"\n"
                               "listen_port: 51999\naddress: 10.99.0.2/24\nssh_addr: 127.0.0.1:22\n"
                               "peers:\n  - public_key: \"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\"\n"
                               "    endpoint: 192.0.2.1:51820\n    vpn_addr: 10.99.0.1\n";
  ::chmod(configPath.c_str(), 0600);
  const std::string savedPath = ::getenv("PATH") != nullptr ? ::getenv("PATH") : "";
  ::setenv("PATH", (directory + "/empty-path").c_str(), 1);
  ::setenv("NEFIA_TEST_SERVICE_ROOT", (directory + "/root").c_str(), 1);
  ::setenv("HOME", directory.c_str(), 1);
  ::setenv("XDG_STATE_HOME", (directory + "/state").c_str(), 1);

  cli::CommandLine line;
  line.command = cli::Command::kEnroll;
  std::ostringstream out;
  std::ostringstream err;
  const int exitCode = installAfterEnrollment(line, configPath, out, err);
  ::setenv("PATH", savedPath.c_str(), 1);

  EXPECT_EQ(exitCode, 1);
  EXPECT_THAT(err.str(), HasSubstr("cannot run systemctl: No such file or directory (is it installed and on PATH?)"));
  EXPECT_THAT(err.str(), HasSubstr("nefia-agent enroll: enrollment succeeded and the config is kept at " + configPath +
                                   ", but the service was not installed (see above); retry with: nefia-agent "
                                   "install-service --config " + configPath + "\n"));
  EXPECT_THAT(out.str(), testing::Not(HasSubstr("Service installed.")));
  EXPECT_TRUE(std::filesystem::exists(configPath));
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace nefia::agent
