// `nefia`, the operator CLI of this project: `nefia vpn init|invite|reinvite|remove|status|hub`. Parses flags,
// calls the command, prints its output; exit 0 on success, 1 on a refused action, 2 on bad flags. Never prints the
// hub's secret; tokens go to stdout only.
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/config/go_duration.h"
#include "common/config/net_address.h"
#include "common/invite/invite_token.h"
#include "common/log.h"
#include "operator/cloud_login.h"
#include "operator/hub_server.h"
#include "operator/vpn_commands.h"

namespace {

std::atomic<bool> gStop{false};

void onSignal(int) { gStop.store(true); }

int64_t nowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int fail(const std::string& message) {
  std::cerr << "nefia: " << message << "\n";
  return 1;
}

template <typename Unit>
nefia::Result<Unit> parseDuration(const std::string& flag, const std::string& text) {
  nefia::Result<nefia::Duration> duration = nefia::parseGoDuration(text);
  if (!duration.ok()) return nefia::makeError(flag + " " + text + ": " + duration.error());
  const Unit value = std::chrono::duration_cast<Unit>(duration.value());
  if (value.count() <= 0) return nefia::makeError(flag + " " + text + ": must be positive");
  return value;
}

std::string withDefaultPort(const std::string& address) {
  if (nefia::parseHostPort(address).ok()) return address;
  const std::string port = ":" + std::to_string(nefia::invite::kDefaultEnrollPort);
  return address.find(':') != std::string::npos && address.front() != '[' ? "[" + address + "]" + port : address + port;
}

// Everything the command line sets, and which subcommand it chose.
struct OperatorCommandLine {
  std::string stateDir;
  std::string logLevel = "info";
  nefia::hub::HubSettings settings;
  nefia::hub::InviteRequest inviteRequest;
  std::string ttl = "24h";
  std::string removeName;
  nefia::hub::HubServerSettings hubSettings;
  std::string rateInterval = "6s";
  std::string restoreInterval = "30s";
  std::string connectionDeadline = "10s";
  nefia::hub::CloudLogin cloudLogin;
  CLI::App* login = nullptr;
  CLI::App* init = nullptr;
  CLI::App* invite = nullptr;
  CLI::App* reinvite = nullptr;
  CLI::App* remove = nullptr;
  CLI::App* status = nullptr;
};

void addInitCommand(CLI::App& vpn, OperatorCommandLine& line) {
  nefia::hub::HubSettings& settings = line.settings;
  line.init = vpn.add_subcommand("init", "Configure the hub: WireGuard interface, VPN address, enrollment address");
  line.init->add_option("--interface", settings.interfaceName, "The operator's WireGuard interface")->required();
  line.init->add_option("--address", settings.address, "The operator's VPN address with prefix, e.g. 10.99.0.1/24")
      ->required();
  line.init->add_option("--enroll-addr", settings.enrollAddresses, "host[:port] agents dial (default port 19820)")
      ->required();
  line.init->add_option("--endpoint", settings.endpoint, "The operator's WireGuard host:port for agents "
                                                          "(default: enrollment host and the interface's listen port)");
}

void addHostCommands(CLI::App& vpn, OperatorCommandLine& line) {
  nefia::hub::InviteRequest& request = line.inviteRequest;
  line.invite = vpn.add_subcommand("invite", "Print a single-use invite token for a new host");
  line.invite->add_option("--name", request.name, "Host name")->required();
  line.invite->add_option("--os", request.os, "linux, macos or windows")->required();
  line.invite->add_option("--ttl", line.ttl, "Token lifetime, e.g. 1h (default 24h)");
  line.invite->add_flag("--stun", request.stun, "Tell the agent to discover its endpoint with STUN");

  line.reinvite = vpn.add_subcommand("reinvite", "Print a fresh token for an enrolled host (allows a new SSH "
                                                 "host key, e.g. after a reinstall)");
  line.reinvite->add_option("--name", request.name, "Host name")->required();
  line.reinvite->add_option("--ttl", line.ttl, "Token lifetime, e.g. 1h (default 24h)");
  line.reinvite->add_flag("--stun", request.stun, "Tell the agent to discover its endpoint with STUN");

  line.remove = vpn.add_subcommand("remove", "Revoke a host: peer removed, its tokens refused");
  line.remove->add_option("NAME", line.removeName, "Host name")->required();

  line.status = vpn.add_subcommand("status", "List enrolled hosts with endpoint and last handshake");
}

void addHubCommand(CLI::App& vpn, OperatorCommandLine& line) {
  nefia::hub::HubServerSettings& hub = line.hubSettings;
  CLI::App* command = vpn.add_subcommand("hub", "Run the enrollment service (TLS 1.3 on port 19820)");
  command->add_option("--listen", hub.listenAddress, "ip:port to listen on (default 0.0.0.0:19820)");
  command->add_option("--rate-burst", hub.rateLimit.burst, "Requests one IP may burst (default 5)");
  command->add_option("--rate-interval", line.rateInterval, "One more request per interval (default 6s)");
  command->add_option("--rate-table", hub.rateLimit.maxEntries, "IPs tracked (default 4096)");
  command->add_option("--restore-interval", line.restoreInterval, "How often missing peers are re-added (default 30s)");
  command->add_option("--max-connections", hub.connections.maxConnections,
                      "Connections open at once, all addresses (default 512)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  command->add_option("--max-connections-per-address", hub.connections.maxPerAddress,
                      "Connections open at once from one IPv4 address or IPv6 /64 (default 16)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  command->add_option("--connection-deadline", line.connectionDeadline,
                      "Time for TLS handshake, request and answer together (default 10s)");
}

int runInvite(OperatorCommandLine& line, const nefia::hub::HubFiles& files, nefia::hub::HubState& state,
              nefia::hub::WgToolControl& wireguard) {
  using namespace nefia;
  hub::InviteRequest& request = line.inviteRequest;
  Result<std::chrono::seconds> lifetime = parseDuration<std::chrono::seconds>("--ttl", line.ttl);
  if (!lifetime.ok()) return fail(lifetime.error());
  request.ttl = lifetime.value();
  request.reinvite = line.reinvite->parsed();
  if (request.reinvite) {
    hub::HostRecord* host = state.findHost(request.name);
    if (host == nullptr) return fail("host " + request.name + " is not enrolled; use `nefia vpn invite`");
    request.os = host->os;
  }
  Result<std::string> token = hub::createInvite(files, wireguard, request, nowUnix());
  if (!token.ok()) return fail(token.error());
  std::cout << token.value() << "\n";
  return 0;
}

int runHubCommand(OperatorCommandLine& line, const nefia::hub::HubFiles& files, nefia::hub::WgToolControl& wireguard) {
  using namespace nefia;
  using std::chrono::milliseconds;
  Result<milliseconds> interval = parseDuration<milliseconds>("--rate-interval", line.rateInterval);
  if (!interval.ok()) return fail(interval.error());
  Result<std::chrono::seconds> restore = parseDuration<std::chrono::seconds>("--restore-interval", line.restoreInterval);
  if (!restore.ok()) return fail(restore.error());
  Result<milliseconds> deadline = parseDuration<milliseconds>("--connection-deadline", line.connectionDeadline);
  if (!deadline.ok()) return fail(deadline.error());
  line.hubSettings.connections.deadline = deadline.value();
  line.hubSettings.rateLimit.refillInterval = interval.value();
  line.hubSettings.restoreInterval = restore.value();
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  std::signal(SIGPIPE, SIG_IGN);
  if (Status done = hub::runHub(files, wireguard, line.hubSettings, gStop); !done.ok()) return fail(done.error());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace nefia;
  CLI::App app{"nefia: operator CLI (invite tokens, enrollment hub, enrolled hosts)"};
  app.require_subcommand(1);
  OperatorCommandLine line;
  app.add_option("--state-dir", line.stateDir, "Hub state directory (default: ~/.nefia/operator)");
  app.add_option("--log-level", line.logLevel, "Log level: debug, info, warn, error");
  CLI::App* vpn = app.add_subcommand("vpn", "WireGuard enrollment and enrolled hosts");
  vpn->require_subcommand(1);
  addInitCommand(*vpn, line);
  addHostCommands(*vpn, line);
  addHubCommand(*vpn, line);
  line.login = app.add_subcommand("login", "Store where nefia-cloud is and its API key (0600, in the state directory)");
  line.login->add_option("--cloud", line.cloudLogin.cloudApiBase, "nefia-cloud's https:// URL")->required();
  line.login->add_option("--api-key", line.cloudLogin.apiKey, "API key from `nefia-cloud apikey create`")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;  // help prints and succeeds; any other parse error is a usage error
  }

  std::optional<LogLevel> level = parseLogLevel(line.logLevel);
  if (!level) return fail("--log-level " + line.logLevel + ": expected debug, info, warn or error");
  Logger::instance().setLevel(*level);
  Logger::instance().addSink(makeStderrSink());
  if (line.stateDir.empty()) {
    Result<std::string> directory = hub::defaultHubDirectory();
    if (!directory.ok()) return fail(directory.error());
    line.stateDir = directory.value();
  }
  hub::HubFiles files(line.stateDir);
  if (line.login->parsed()) {
    if (Status saved = hub::saveCloudLogin(line.stateDir, line.cloudLogin); !saved.ok()) return fail(saved.error());
    std::cout << "Logged in to " << line.cloudLogin.cloudApiBase << " (key stored in " << line.stateDir
              << "/cloud-login.json, mode 0600)\n";
    return 0;
  }

  if (line.init->parsed()) {
    for (std::string& address : line.settings.enrollAddresses) address = withDefaultPort(address);
    if (Status done = hub::initHub(files, line.settings); !done.ok()) return fail(done.error());
    std::cout << "Hub configured in " << line.stateDir << "\n";
    return 0;
  }
  Result<hub::HubState> state = files.loadState();
  if (!state.ok()) return fail(state.error());
  hub::WgToolControl wireguard(state->settings.interfaceName);
  if (line.invite->parsed() || line.reinvite->parsed()) return runInvite(line, files, state.value(), wireguard);
  if (line.remove->parsed()) {
    if (Status done = hub::removeHost(files, wireguard, line.removeName); !done.ok()) return fail(done.error());
    std::cout << "Removed " << line.removeName << "\n";
    return 0;
  }
  if (line.status->parsed()) {
    Result<std::string> table = hub::renderStatus(files, wireguard, nowUnix());
    if (!table.ok()) return fail(table.error());
    std::cout << table.value();
    return 0;
  }
  return runHubCommand(line, files, wireguard);
}
