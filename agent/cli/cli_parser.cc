// CLI11 definition of every subcommand and flag of the reference; usage errors exit 2 with one line + usage.
// Values that need the config or the filesystem are checked by the commands themselves, not here.
#include "agent/cli/cli_options.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <sstream>
#include <string>
#include <system_error>

#include "common/log.h"

namespace nefia::cli {
namespace {

// A whole-number check with our own message, run on the text before CLI11 converts it (CLI11's own ranges
// print DBL_MAX bounds or "Could not convert"): "--port: 70000 is out of range; give 1 to 65535 (default 9)".
CLI::Validator wholeNumberIn(long long minimum, long long maximum, const std::string& give) {
  const std::string range = std::to_string(minimum) + "-" + std::to_string(maximum);
  return CLI::Validator(
      [minimum, maximum, give](std::string& text) -> std::string {
        if (text.empty()) return "an empty value is not a number; give " + give;
        long long value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc::result_out_of_range) return text + " is out of range; give " + give;
        if (error != std::errc() || end != text.data() + text.size()) {
          return "\"" + text + "\" is not a whole number; give " + give;
        }
        if (value < minimum || value > maximum) return text + " is out of range; give " + give;
        return std::string();
      },
      range);
}

constexpr const char* kDescription =
    "nefia-agent: keeps a WireGuard tunnel to the operator and forwards SSH from inside it.";

// The log rotation flags of `run`, which install-service also takes and writes into the service's command line.
void addLogFlags(CLI::App& command, RunOptions& run) {
  command.add_option("--log-file", run.logFile, "Path to the log file (default: platform default)");
  command.add_option("--log-max-size", run.logMaxSizeMb, "Maximum log file size in MB before rotation")
      ->default_val(50)
      ->check(wholeNumberIn(1, 1 << 20, "1 to 1048576 (MB, default 50)"));
  command.add_option("--log-max-backups", run.logMaxBackups, "Number of rotated log files to retain")
      ->default_val(5)
      ->check(wholeNumberIn(0, 100000, "0 (keep all) to 100000 (default 5)"));
  command.add_option("--log-max-age", run.logMaxAgeDays, "Maximum days to retain rotated log files")
      ->default_val(30)
      ->check(wholeNumberIn(0, 100000, "0 (no age limit) to 100000 days (default 30)"));
}

void addRun(CLI::App& app, CommandLine& line) {
  CLI::App* run = app.add_subcommand("run", "Run the agent in the foreground (for debugging or service invocation)");
  run->add_flag("--strict-permissions", line.run.strictPermissions,
                "Refuse to start if the config file is readable by others and holds a plaintext private key "
                "(default true; --strict-permissions=false to only warn)")
      ->default_val(true);
  run->add_option("--auto-update-interval", line.run.autoUpdateInterval,
                  "Interval for checking binary changes and auto-restarting (0 = disabled, e.g. 5m)")
      ->default_val("0");
  addLogFlags(*run, line.run);
  run->callback([&line] { line.command = Command::kRun; });
}

void addEnroll(CLI::App& app, CommandLine& line) {
  CLI::App* enroll = app.add_subcommand("enroll", "Enroll with an operator hub using an invite token");
  CLI::Option* token = enroll->add_option("--token", line.enroll.token, "Invite token string");
  CLI::Option* tokenFile = enroll->add_option("--token-file", line.enroll.tokenFile, "Path to a file containing the invite token");
  token->excludes(tokenFile);
  enroll->add_option("--out-dir", line.enroll.outDir, "Directory to write the generated agent config");
  enroll->add_option("--ssh-addr", line.enroll.sshAddr, "Local SSH address to forward to")->default_val("127.0.0.1:22");
  enroll->add_flag("--force", line.enroll.force, "Overwrite existing agent config");
  enroll->add_flag("--yes", line.enroll.yes, "Skip interactive confirmation");
  enroll->add_flag("--install", line.enroll.install, "Automatically install the system service after enrollment");
  enroll->callback([&line] {
    if (line.enroll.token.empty() && line.enroll.tokenFile.empty()) {
      throw CLI::RequiredError("enroll needs --token or --token-file", CLI::ExitCodes::RequiredError);
    }
    line.command = Command::kEnroll;
  });
}

void addServiceCommands(CLI::App& app, CommandLine& line) {
  CLI::App* install = app.add_subcommand("install-service", "Install the agent as a system service");
  install->add_flag("--dry-run", line.installService.dryRun,
                    "Print the service file and the commands it would run; change nothing");
  install->add_option("--platform", line.installService.platform,
                      "With --dry-run: print the service file of this platform (linux, macos, windows)")
      ->check(CLI::IsMember({"linux", "macos", "windows"}));
  addLogFlags(*install, line.run);
  install->callback([&line] { line.command = Command::kInstallService; });
  CLI::App* uninstall = app.add_subcommand("uninstall-service", "Remove the system service");
  uninstall->add_flag("--yes", line.uninstall.yes, "Skip the interactive confirmation prompt");
  uninstall->callback([&line] { line.command = Command::kUninstallService; });
}

void addStatusAndWol(CLI::App& app, CommandLine& line) {
  CLI::App* status = app.add_subcommand("status", "Show agent health status from the last health report");
  status->add_flag("--json", line.status.json, "Print the health report as JSON");
  status->callback([&line] { line.command = Command::kStatus; });

  CLI::App* wol = app.add_subcommand("wol", "Send a Wake-on-LAN magic packet from the local network");
  wol->add_option("--mac", line.wol.mac, "MAC address of the machine to wake")->required();
  wol->add_option("--broadcast", line.wol.broadcast, "IPv4 broadcast address")->default_val("255.255.255.255");
  wol->add_option("--port", line.wol.port, "UDP port")
      ->default_val(9)
      ->check(wholeNumberIn(1, 65535, "a UDP port from 1 to 65535 (default 9)"));
  wol->callback([&line] { line.command = Command::kWol; });
}

void addWorker(CLI::App& app, CommandLine& line) {
  // Hidden: the supervisor re-executes its own binary as `nefia-agent worker NAME`.
  CLI::App* worker = app.add_subcommand("worker", "");
  worker->group("");
  worker->add_option("name", line.worker.name)->required()->check(
      CLI::IsMember({"tunnel", "forwarder", "beacons", "updater"}));
  worker->add_option("--staging-dir", line.worker.stagingDir);
  worker->add_option("--scratch-dir", line.worker.scratchDir);
#ifdef NEFIA_TEST_HOOKS
  worker->add_option("--sandbox", line.worker.sandboxMode)->check(CLI::IsMember({"log"}));
  worker->add_option("--fault", line.worker.fault)->check(CLI::IsMember({"crash_at_start", "hang", "garbage"}));
#endif
  worker->callback([&line] { line.command = Command::kWorker; });
}

}  // namespace

ParseOutcome parseCommandLine(int argc, const char* const* argv) {
  CommandLine line;
  CLI::App app(kDescription, "nefia-agent");
  app.fallthrough();
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print version, commit, and build date, then exit");
  app.add_option("--config", line.configPath, "Path to agent config file");
  app.add_option("--log-level", line.logLevel, "Log level: debug, info, warn, error")
      ->default_val("info")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  addEnroll(app, line);
  addRun(app, line);
  addServiceCommands(app, line);
  addStatusAndWol(app, line);
  addWorker(app, line);

  ParseOutcome outcome;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    outcome.output = app.help();
    return outcome;
  } catch (const CLI::CallForAllHelp&) {
    outcome.output = app.help("", CLI::AppFormatMode::All);
    return outcome;
  } catch (const CLI::ParseError& error) {
    std::string message = error.what();
    if (auto newline = message.find('\n'); newline != std::string::npos) message.resize(newline);
    outcome.output = "nefia-agent: " + message + "\n" + app.help();
    outcome.exitCode = kUsageExitCode;
    outcome.outputIsError = true;
    return outcome;
  }
  if (version) {
    line.command = Command::kVersion;
  } else if (line.command == Command::kNone) {
    outcome.output = "nefia-agent: a command is required\n" + app.help();
    outcome.exitCode = kUsageExitCode;
    outcome.outputIsError = true;
    return outcome;
  }
  outcome.commandLine = line;
  return outcome;
}

}  // namespace nefia::cli
