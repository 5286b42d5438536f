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

}  // namespace

int main(int argc, char** argv) {
  using namespace nefia;
  CLI::App app{"nefia: operator CLI (invite tokens, enrollment hub, enrolled hosts)"};
  app.require_subcommand(1);
  std::string stateDir;
  std::string logLevel = "info";
  app.add_option("--state-dir", stateDir, "Hub state directory (default: ~/.nefia/operator)");
  app.add_option("--log-level", logLevel, "Log level: debug, info, warn, error");
  CLI::App* vpn = app.add_subcommand("vpn", "WireGuard enrollment and enrolled hosts");
  vpn->require_subcommand(1);

  hub::HubSettings settings;
  CLI::App* init = vpn->add_subcommand("init", "Configure the hub: WireGuard interface, VPN address, enrollment address");
  init->add_option("--interface", settings.interfaceName, "The operator's WireGuard interface")->required();
  init->add_option("--address", settings.address, "The operator's VPN address with prefix, e.g. 10.99.0.1/24")
      ->required();
  init->add_option("--enroll-addr", settings.enrollAddresses, "host[:port] agents dial (default port 19820)")
      ->required();
  init->add_option("--endpoint", settings.endpoint, "The operator's WireGuard host:port for agents "
                                                     "(default: enrollment host and the interface's listen port)");

  hub::InviteRequest inviteRequest;
  std::string ttl = "24h";
  CLI::App* invite = vpn->add_subcommand("invite", "Print a single-use invite token for a new host");
  invite->add_option("--name", inviteRequest.name, "Host name")->required();
  invite->add_option("--os", inviteRequest.os, "linux, macos or windows")->required();
  invite->add_option("--ttl", ttl, "Token lifetime, e.g. 1h (default 24h)");
  invite->add_flag("--stun", inviteRequest.stun, "Tell the agent to discover its endpoint with STUN");

  CLI::App* reinvite = vpn->add_subcommand("reinvite", "Print a fresh token for an enrolled host (allows a new SSH "
                                                       "host key, e.g. after a reinstall)");
  reinvite->add_option("--name", inviteRequest.name, "Host name")->required();
  reinvite->add_option("--ttl", ttl, "Token lifetime, e.g. 1h (default 24h)");
  reinvite->add_flag("--stun", inviteRequest.stun, "Tell the agent to discover its endpoint with STUN");

  std::string removeName;
  CLI::App* remove = vpn->add_subcommand("remove", "Revoke a host: peer removed, its tokens refused");
  remove->add_option("NAME", removeName, "Host name")->required();

  CLI::App* status = vpn->add_subcommand("status", "List enrolled hosts with endpoint and last handshake");

  hub::HubServerSettings hubSettings;
  std::string rateInterval = "6s";
  std::string restoreInterval = "30s";
  CLI::App* hubCommand = vpn->add_subcommand("hub", "Run the enrollment service (TLS 1.3 on port 19820)");
  hubCommand->add_option("--listen", hubSettings.listenAddress, "ip:port to listen on (default 0.0.0.0:19820)");
  hubCommand->add_option("--rate-burst", hubSettings.rateLimit.burst, "Requests one IP may burst (default 5)");
  hubCommand->add_option("--rate-interval", rateInterval, "One more request per interval (default 6s)");
  hubCommand->add_option("--rate-table", hubSettings.rateLimit.maxEntries, "IPs tracked (default 4096)");
  hubCommand->add_option("--restore-interval", restoreInterval, "How often missing peers are re-added (default 30s)");
  std::string connectionDeadline = "10s";
  hubCommand->add_option("--max-connections", hubSettings.connections.maxConnections,
                         "Connections open at once, all addresses (default 512)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  hubCommand->add_option("--max-connections-per-address", hubSettings.connections.maxPerAddress,
                         "Connections open at once from one IPv4 address or IPv6 /64 (default 16)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  hubCommand->add_option("--connection-deadline", connectionDeadline,
                         "Time for TLS handshake, request and answer together (default 10s)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;  // help prints and succeeds; any other parse error is a usage error
  }

  std::optional<LogLevel> level = parseLogLevel(logLevel);
  if (!level) return fail("--log-level " + logLevel + ": expected debug, info, warn or error");
  Logger::instance().setLevel(*level);
  Logger::instance().addSink(makeStderrSink());
  if (stateDir.empty()) {
    Result<std::string> directory = hub::defaultHubDirectory();
    if (!directory.ok()) return fail(directory.error());
    stateDir = directory.value();
  }
  hub::HubFiles files(stateDir);

  if (init->parsed()) {
    for (std::string& address : settings.enrollAddresses) address = withDefaultPort(address);
    if (Status done = hub::initHub(files, settings); !done.ok()) return fail(done.error());
    std::cout << "Hub configured in " << stateDir << "\n";
    return 0;
  }
  Result<hub::HubState> state = files.loadState();
  if (!state.ok()) return fail(state.error());
  hub::WgToolControl wireguard(state->settings.interfaceName);

  if (invite->parsed() || reinvite->parsed()) {
    Result<std::chrono::seconds> lifetime = parseDuration<std::chrono::seconds>("--ttl", ttl);
    if (!lifetime.ok()) return fail(lifetime.error());
    inviteRequest.ttl = lifetime.value();
    inviteRequest.reinvite = reinvite->parsed();
    if (inviteRequest.reinvite) {
      hub::HostRecord* host = state->findHost(inviteRequest.name);
      if (host == nullptr) return fail("host " + inviteRequest.name + " is not enrolled; use `nefia vpn invite`");
      inviteRequest.os = host->os;
    }
    Result<std::string> token = hub::createInvite(files, wireguard, inviteRequest, nowUnix());
    if (!token.ok()) return fail(token.error());
    std::cout << token.value() << "\n";
    return 0;
  }
  if (remove->parsed()) {
    if (Status done = hub::removeHost(files, wireguard, removeName); !done.ok()) return fail(done.error());
    std::cout << "Removed " << removeName << "\n";
    return 0;
  }
  if (status->parsed()) {
    Result<std::string> table = hub::renderStatus(files, wireguard, nowUnix());
    if (!table.ok()) return fail(table.error());
    std::cout << table.value();
    return 0;
  }
  Result<std::chrono::milliseconds> interval = parseDuration<std::chrono::milliseconds>("--rate-interval", rateInterval);
  if (!interval.ok()) return fail(interval.error());
  Result<std::chrono::seconds> restore = parseDuration<std::chrono::seconds>("--restore-interval", restoreInterval);
  if (!restore.ok()) return fail(restore.error());
  Result<std::chrono::milliseconds> deadline =
      parseDuration<std::chrono::milliseconds>("--connection-deadline", connectionDeadline);
  if (!deadline.ok()) return fail(deadline.error());
  hubSettings.connections.deadline = deadline.value();
  hubSettings.rateLimit.refillInterval = interval.value();
  hubSettings.restoreInterval = restore.value();
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  std::signal(SIGPIPE, SIG_IGN);
  if (Status done = hub::runHub(files, wireguard, hubSettings, gStop); !done.ok()) return fail(done.error());
  return 0;
}
