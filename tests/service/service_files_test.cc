// Tests for the LaunchAgent plist and Task Scheduler XML generators (the parts a parser cannot judge:
// paths, quoting, escaping, refusals). service_files_parse_test.py parses both with real parsers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service/launchd_plist.h"
#include "service/scheduled_task_xml.h"
#include "service/service_spec.h"
#include "service/xml_text.h"

namespace nefia::service {
namespace {

using testing::HasSubstr;

ServiceSpec macSpec() {
  ServiceSpec spec;
  spec.scope = ServiceScope::kUser;
  spec.binaryPath = "/Users/admin/Library/Application Support/nefia/current/nefia-agent";
  spec.configPath = "/Users/admin/.nefia/agent.yaml";
  spec.log.logFile = "/Users/admin/Library/Logs/nefia/agent.log";
  return spec;
}

TEST(LaunchAgentPlistTest, PathsFollowTheReference) {
  EXPECT_EQ(launchAgentPlistPath("/Users/admin"), "/Users/admin/Library/LaunchAgents/com.nefia.agent.plist");
  EXPECT_EQ(launchAgentStdoutPath("/Users/admin"), "/Users/admin/Library/Logs/nefia/nefia-agent.stdout.log");
  EXPECT_EQ(launchAgentStderrPath("/Users/admin"), "/Users/admin/Library/Logs/nefia/nefia-agent.stderr.log");
}

TEST(LaunchAgentPlistTest, EscapesXmlSpecialCharacters) {
  ServiceSpec spec = macSpec();
  spec.configPath = "/Users/a&b/<agent>.yaml";
  Result<std::string> plist = generateLaunchAgentPlist(spec, "/Users/a&b");
  ASSERT_TRUE(plist.ok()) << plist.error();
  EXPECT_THAT(plist.value(), HasSubstr("<string>/Users/a&amp;b/&lt;agent&gt;.yaml</string>"));
}

TEST(LaunchAgentPlistTest, RefusesControlCharacters) {
  ServiceSpec spec = macSpec();
  spec.configPath = "/Users/admin/\x01.yaml";
  Result<std::string> plist = generateLaunchAgentPlist(spec, "/Users/admin");
  ASSERT_FALSE(plist.ok());
  EXPECT_THAT(plist.error(), HasSubstr("holds a control character, which an XML service file cannot carry"));
}

TEST(ScheduledTaskXmlTest, QuotesArgumentsTheWayWindowsReadsThem) {
  EXPECT_EQ(windowsQuoted("run").value(), "run");
  EXPECT_EQ(windowsQuoted("C:\\Program Files\\nefia").value(), "\"C:\\Program Files\\nefia\"");
  EXPECT_EQ(windowsQuoted("C:\\My Dir\\").value(), "\"C:\\My Dir\\\\\"");
  EXPECT_EQ(windowsQuoted("").value(), "\"\"");
  Result<std::string> refused = windowsQuoted("a\"b");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error(), HasSubstr("holds a double quote"));
}

TEST(ScheduledTaskXmlTest, SystemTaskStartsAtBootAsSystemUserTaskAtLogon) {
  ServiceSpec spec;
  spec.binaryPath = "C:\\ProgramData\\nefia\\current\\nefia-agent.exe";
  spec.configPath = "C:\\ProgramData\\nefia\\agent.yaml";
  spec.log.logFile = "C:\\ProgramData\\nefia\\logs\\agent.log";
  const std::string system = generateScheduledTaskXml(spec).value();
  EXPECT_THAT(system, HasSubstr("<BootTrigger>"));
  EXPECT_THAT(system, HasSubstr("<UserId>S-1-5-18</UserId>"));
  EXPECT_THAT(system, HasSubstr("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>"));
  spec.scope = ServiceScope::kUser;
  EXPECT_THAT(generateScheduledTaskXml(spec).value(), HasSubstr("<LogonTrigger>"));
}

TEST(ServiceSpecTest, ParentDirectoryOfBothPathStyles) {
  EXPECT_EQ(parentDirectory("/etc/nefia/agent.yaml"), "/etc/nefia");
  EXPECT_EQ(parentDirectory("/agent.yaml"), "/");
  EXPECT_EQ(parentDirectory("C:\\ProgramData\\nefia\\agent.yaml"), "C:\\ProgramData\\nefia");
}

}  // namespace
}  // namespace nefia::service
