// Tests for the command line: every subcommand, defaults from the reference, and usage errors (exit 2).
#include "agent/cli/cli_options.h"

#include <initializer_list>
#include <vector>

#include <gtest/gtest.h>

namespace nefia::cli {
namespace {

ParseOutcome parse(std::initializer_list<const char*> words) {
  std::vector<const char*> argv{"nefia-agent"};
  argv.insert(argv.end(), words);
  return parseCommandLine(static_cast<int>(argv.size()), argv.data());
}

void expectUsageError(std::initializer_list<const char*> words, const std::string& fragment) {
  const ParseOutcome outcome = parse(words);
  EXPECT_FALSE(outcome.commandLine);
  EXPECT_EQ(outcome.exitCode, kUsageExitCode);
  EXPECT_TRUE(outcome.outputIsError);
  const std::string firstLine = outcome.output.substr(0, outcome.output.find('\n'));
  EXPECT_NE(firstLine.find(fragment), std::string::npos) << firstLine;
  EXPECT_NE(outcome.output.find("Usage:"), std::string::npos);
}

TEST(CliParser, RunHasTheReferenceDefaults) {
  const ParseOutcome outcome = parse({"run", "--config", "/etc/nefia/agent.yaml"});
  ASSERT_TRUE(outcome.commandLine) << outcome.output;
  const CommandLine& line = *outcome.commandLine;
  EXPECT_EQ(line.command, Command::kRun);
  EXPECT_EQ(line.configPath, "/etc/nefia/agent.yaml");
  EXPECT_EQ(line.logLevel, "info");
  EXPECT_TRUE(line.run.strictPermissions);
  EXPECT_EQ(line.run.autoUpdateInterval, "0");
  EXPECT_EQ(line.run.logMaxSizeMb, 50);
  EXPECT_EQ(line.run.logMaxBackups, 5);
  EXPECT_EQ(line.run.logMaxAgeDays, 30);
}

TEST(CliParser, RunFlagsAndGlobalFlagsInAnyPosition) {
  const ParseOutcome outcome = parse({"--log-level", "debug", "run", "--strict-permissions=false", "--log-file",
                                      "/tmp/a.log", "--log-max-size", "7", "--auto-update-interval", "6h"});
  ASSERT_TRUE(outcome.commandLine) << outcome.output;
  EXPECT_EQ(outcome.commandLine->logLevel, "debug");
  EXPECT_FALSE(outcome.commandLine->run.strictPermissions);
  EXPECT_EQ(outcome.commandLine->run.logFile, "/tmp/a.log");
  EXPECT_EQ(outcome.commandLine->run.logMaxSizeMb, 7);
  EXPECT_EQ(outcome.commandLine->run.autoUpdateInterval, "6h");
}

TEST(CliParser, EnrollDefaultsAndFlags) {
  const ParseOutcome outcome = parse({"enroll", "--token", "eyJh.x", "--yes", "--force", "--install"});
  ASSERT_TRUE(outcome.commandLine) << outcome.output;
  const EnrollOptions& enroll = outcome.commandLine->enroll;
  EXPECT_EQ(enroll.token, "eyJh.x");
  EXPECT_EQ(enroll.sshAddr, "127.0.0.1:22");
  EXPECT_TRUE(enroll.yes && enroll.force && enroll.install);
}

TEST(CliParser, StatusWolUninstallVersion) {
  EXPECT_TRUE(parse({"status", "--json"}).commandLine->status.json);
  const ParseOutcome wol = parse({"wol", "--mac", "aa:bb:cc:dd:ee:ff"});
  ASSERT_TRUE(wol.commandLine);
  EXPECT_EQ(wol.commandLine->wol.broadcast, "255.255.255.255");
  EXPECT_EQ(wol.commandLine->wol.port, 9);
  EXPECT_TRUE(parse({"uninstall-service", "--yes"}).commandLine->uninstall.yes);
  EXPECT_EQ(parse({"install-service", "--config", "/x.yaml"}).commandLine->command, Command::kInstallService);
  const ParseOutcome install = parse({"install-service", "--dry-run", "--platform", "macos", "--log-max-size", "7"});
  ASSERT_TRUE(install.commandLine);
  EXPECT_TRUE(install.commandLine->installService.dryRun);
  EXPECT_EQ(install.commandLine->installService.platform, "macos");
  EXPECT_EQ(install.commandLine->run.logMaxSizeMb, 7);
  EXPECT_EQ(parse({"install-service", "--platform", "beos"}).exitCode, kUsageExitCode);
  EXPECT_EQ(parse({"--version"}).commandLine->command, Command::kVersion);
}

TEST(CliParser, HiddenWorkerCommandIsNotInHelp) {
  const ParseOutcome worker = parse({"worker", "tunnel"});
  ASSERT_TRUE(worker.commandLine);
  EXPECT_EQ(worker.commandLine->worker.name, "tunnel");
  const ParseOutcome help = parse({"--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_EQ(help.output.find("worker"), std::string::npos);
  EXPECT_NE(help.output.find("install-service"), std::string::npos);
}

TEST(CliParser, UsageErrorsExitTwoWithOneLineAndUsage) {
  expectUsageError({"frobnicate"}, "frobnicate");
  expectUsageError({"run", "--no-such-flag"}, "--no-such-flag");
  expectUsageError({"run", "--config"}, "--config");
  expectUsageError({"enroll", "--token", "a", "--token-file", "b"}, "excludes");
  expectUsageError({"enroll"}, "--token or --token-file");
  expectUsageError({"--log-level", "verbose", "status"}, "verbose");
  expectUsageError({"wol"}, "--mac");
  expectUsageError({}, "a command is required");
}

// Issue 12 item 10: CLI11's own checks printed DBL_MAX as the bound, "Could not convert", or took "" as 0.
TEST(CliParser, NumberFlagsSayTheirRangeInWords) {
  auto firstLine = [](std::initializer_list<const char*> words) {
    const ParseOutcome outcome = parse(words);
    EXPECT_FALSE(outcome.commandLine);
    EXPECT_EQ(outcome.exitCode, kUsageExitCode);
    return outcome.output.substr(0, outcome.output.find('\n'));
  };
  EXPECT_EQ(firstLine({"run", "--log-max-backups", "-1"}),
            "nefia-agent: --log-max-backups: -1 is out of range; give 0 (keep all) to 100000 (default 5)");
  EXPECT_EQ(firstLine({"run", "--log-max-age", "-5"}),
            "nefia-agent: --log-max-age: -5 is out of range; give 0 (no age limit) to 100000 days (default 30)");
  EXPECT_EQ(firstLine({"run", "--log-max-size", "0"}),
            "nefia-agent: --log-max-size: 0 is out of range; give 1 to 1048576 (MB, default 50)");
  EXPECT_EQ(firstLine({"wol", "--mac", "aa:bb:cc:dd:ee:ff", "--port", "70000"}),
            "nefia-agent: --port: 70000 is out of range; give a UDP port from 1 to 65535 (default 9)");
  EXPECT_EQ(firstLine({"wol", "--mac", "aa:bb:cc:dd:ee:ff", "--port", ""}),
            "nefia-agent: --port: an empty value is not a number; give a UDP port from 1 to 65535 (default 9)");
  EXPECT_EQ(firstLine({"wol", "--mac", "aa:bb:cc:dd:ee:ff", "--port", "9x"}),
            "nefia-agent: --port: \"9x\" is not a whole number; give a UDP port from 1 to 65535 (default 9)");
  EXPECT_EQ(firstLine({"run", "--log-max-backups", "99999999999999999999"}),
            "nefia-agent: --log-max-backups: 99999999999999999999 is out of range; give 0 (keep all) to 100000 "
            "(default 5)");
  const ParseOutcome edge = parse({"wol", "--mac", "aa:bb:cc:dd:ee:ff", "--port", "65535"});
  ASSERT_TRUE(edge.commandLine) << edge.output;
  EXPECT_EQ(edge.commandLine->wol.port, 65535);
  const ParseOutcome keepAll = parse({"run", "--log-max-backups", "0"});
  ASSERT_TRUE(keepAll.commandLine) << keepAll.output;
  EXPECT_EQ(keepAll.commandLine->run.logMaxBackups, 0);
}

}  // namespace
}  // namespace nefia::cli
