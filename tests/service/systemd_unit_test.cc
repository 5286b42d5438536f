// Tests for the systemd unit generator: lifecycle lines, the ExecStart command, writable paths, ProtectHome
// by where the paths are, user-unit differences, and the refusal of paths a unit cannot carry.
#include "service/systemd_unit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nefia::service {
namespace {

using testing::HasSubstr;
using testing::Not;

ServiceSpec systemSpec() {
  ServiceSpec spec;
  spec.binaryPath = "/var/lib/nefia-agent/current/nefia-agent";
  spec.configPath = "/etc/nefia/agent.yaml";
  spec.log.logFile = "/var/log/nefia/agent.log";
  spec.stateDirectory = "/var/lib/nefia-agent";
  return spec;
}

std::string unitOf(const ServiceSpec& spec) {
  Result<std::string> unit = generateSystemdUnit(spec);
  EXPECT_TRUE(unit.ok()) << unit.error();
  return unit.ok() ? unit.value() : "";
}

TEST(SystemdUnitTest, HasTheLifecycleTheSupervisorNeeds) {
  const std::string unit = unitOf(systemSpec());
  for (const char* line : {"Type=notify\n", "WatchdogSec=30\n", "TimeoutStopSec=45\n", "KillMode=mixed\n",
                           "ExecReload=/bin/kill -HUP $MAINPID\n", "Restart=on-failure\n", "RestartSec=5\n",
                           "WantedBy=multi-user.target\n"}) {
    EXPECT_THAT(unit, HasSubstr(line));
  }
  // Above the forwarder's 30 s drain, and the watchdog fed at half its interval has margin.
  EXPECT_GT(kStopTimeout.count(), 30);
}

TEST(SystemdUnitTest, ExecStartRunsTheLinkWithConfigAndLogFlags) {
  ServiceSpec spec = systemSpec();
  spec.log.logLevel = "debug";
  spec.log.logMaxSizeMb = 10;
  EXPECT_THAT(unitOf(spec),
              HasSubstr("ExecStart=/var/lib/nefia-agent/current/nefia-agent run --config /etc/nefia/agent.yaml "
                        "--log-level debug --log-file /var/log/nefia/agent.log --log-max-size 10 "
                        "--log-max-backups 5 --log-max-age 30\n"));
}

TEST(SystemdUnitTest, WritablePathsAreConfigDirLogDirAndStateDirOnce) {
  EXPECT_THAT(unitOf(systemSpec()), HasSubstr("ReadWritePaths=/etc/nefia /var/log/nefia /var/lib/nefia-agent\n"));
  ServiceSpec shared = systemSpec();
  shared.log.logFile = "/etc/nefia/agent.log";
  EXPECT_THAT(unitOf(shared), HasSubstr("ReadWritePaths=/etc/nefia /var/lib/nefia-agent\n"));
}

TEST(SystemdUnitTest, ProtectHomeIsReadOnlyOnlyWhenAWritablePathIsInAHome) {
  EXPECT_THAT(unitOf(systemSpec()), HasSubstr("ProtectHome=yes\n"));
  ServiceSpec inRootsHome = systemSpec();
  inRootsHome.configPath = "/root/.nefia/agent.yaml";
  EXPECT_THAT(unitOf(inRootsHome), HasSubstr("ProtectHome=read-only\n"));
  EXPECT_TRUE(isUnderHomeDirectories("/home/admin/.nefia"));
  EXPECT_FALSE(isUnderHomeDirectories("/homeless/x"));
}

TEST(SystemdUnitTest, PathsWithSpacesAreQuoted) {
  ServiceSpec spec = systemSpec();
  spec.configPath = "/etc/nefia agent/agent.yaml";
  const std::string unit = unitOf(spec);
  EXPECT_THAT(unit, HasSubstr("--config \"/etc/nefia agent/agent.yaml\""));
  EXPECT_THAT(unit, HasSubstr("ReadWritePaths=\"/etc/nefia agent\" "));
}

TEST(SystemdUnitTest, RefusesRelativeAndUnrepresentablePaths) {
  ServiceSpec relative = systemSpec();
  relative.configPath = "agent.yaml";
  Result<std::string> refused = generateSystemdUnit(relative);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "--config \"agent.yaml\" is not an absolute path; give the full path");
  for (const char* bad : {"/etc/nefia%i/agent.yaml", "/etc/$HOME/agent.yaml", "/etc/a\"b/agent.yaml", "/etc/a\nb"}) {
    ServiceSpec spec = systemSpec();
    spec.configPath = bad;
    Result<std::string> unit = generateSystemdUnit(spec);
    ASSERT_FALSE(unit.ok()) << bad;
    EXPECT_THAT(unit.error(), HasSubstr("which a systemd unit cannot carry unambiguously"));
  }
}

TEST(SystemdUnitTest, RefusesWritablePathsThatPrivateTmpWouldHide) {
  ServiceSpec spec = systemSpec();
  spec.log.logFile = "/var/tmp/nefia/agent.log";
  Result<std::string> unit = generateSystemdUnit(spec);
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(unit.error(),
            "/var/tmp/nefia is under /tmp or /var/tmp, which the service sees as its own empty directory "
            "(PrivateTmp=yes); move the config and log to a lasting place such as /etc/nefia");
  spec.scope = ServiceScope::kUser;  // the user unit has no PrivateTmp=
  EXPECT_TRUE(generateSystemdUnit(spec).ok());
}

TEST(SystemdUnitTest, EveryOmittedDirectiveHasAReason) {
  const std::string unit = unitOf(systemSpec());
  for (const char* omitted : {"PrivateNetwork=", "PrivateUsers=", "DynamicUser=", "User=", "ProtectProc=invisible",
                              "ProcSubset=pid", "SystemCallFilter=~@privileged", "CAP_NET_ADMIN", "IPAddressDeny="}) {
    EXPECT_THAT(unit, HasSubstr(std::string("# Not set: ") + omitted + " ")) << omitted;
  }
}

TEST(SystemdUnitTest, UserUnitKeepsSeccompDirectivesButNoMountNamespace) {
  ServiceSpec spec = systemSpec();
  spec.scope = ServiceScope::kUser;
  spec.configPath = "/home/admin/.nefia/agent.yaml";
  const std::string unit = unitOf(spec);
  EXPECT_THAT(unit, HasSubstr("WantedBy=default.target\n"));
  EXPECT_THAT(unit, HasSubstr("SystemCallFilter=@system-service "));
  EXPECT_THAT(unit, HasSubstr("NoNewPrivileges=yes\n"));
  EXPECT_THAT(unit, Not(HasSubstr("\nProtectSystem=")));
  EXPECT_THAT(unit, Not(HasSubstr("\nCapabilityBoundingSet=")));
  EXPECT_THAT(unit, HasSubstr("# Not set: ProtectSystem=/ProtectHome="));
}

}  // namespace
}  // namespace nefia::service
