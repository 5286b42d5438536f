// `nefia-cloud`: serve the API (API.md) over HTTPS, or administer its database (teams, operator API keys).
// Only parses the command line and wires the library together; prints a new API key once and never logs it.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/config/net_address.h"
#include "common/invite/tls_channel.h"
#include "operator/cloud/cloud_crypto.h"
#include "operator/cloud/cloud_log.h"
#include "operator/cloud/https_server.h"
#include "operator/cloud/sqlite_cloud_store.h"

namespace {

using namespace nefia;
using namespace nefia::cloud;

struct ServeOptions {
  std::string listen = "0.0.0.0:8443";
  std::string certificateFile;
  std::string keyFile;
  bool selfSigned = false;
  HttpsServerSettings server;
  std::size_t ipBurst = 20;
  int64_t ipRefillMs = 500;
  int64_t deadlineMs = 10000;
  int64_t bootstrapTtlSeconds = 300;
};

int fail(const std::string& message) {
  std::cerr << "nefia-cloud: " << message << "\n";
  return 1;
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<TlsFiles> loadTls(const ServeOptions& options) {
  if (options.selfSigned) {
    auto identity = invite::createSelfSignedIdentity("nefia-cloud");
    if (!identity.ok()) return makeError(identity.error());
    auto fingerprint = invite::certificatePemSha256(identity->certificatePem);
    if (!fingerprint.ok()) return makeError(fingerprint.error());
    std::cout << "certificate sha256 " << fingerprint.value() << std::endl;
    return TlsFiles{identity->certificatePem, identity->privateKeyPem};
  }
  if (options.certificateFile.empty() || options.keyFile.empty()) {
    return makeError("serve needs --cert FILE and --key FILE, or --self-signed");
  }
  auto certificate = readFile(options.certificateFile);
  if (!certificate.ok()) return makeError("--cert: " + certificate.error());
  auto key = readFile(options.keyFile);
  if (!key.ok()) return makeError("--key: " + key.error());
  return TlsFiles{certificate.value(), key.value()};
}

int serve(const std::string& dbPath, ServeOptions options) {
  auto endpoint = parseHostPort(options.listen);
  if (!endpoint.ok() || !endpoint->isIpLiteral) return fail("--listen " + options.listen + ": expected IP:PORT");
  options.server.listenAddress = endpoint->host;
  options.server.port = endpoint->port;
  options.server.connections.deadline = std::chrono::milliseconds(options.deadlineMs);
  auto store = SqliteCloudStore::open(dbPath);
  if (!store.ok()) return fail(store.error());
  CloudServiceSettings serviceSettings;
  serviceSettings.bootstrapCodeTtl = std::chrono::seconds(options.bootstrapTtlSeconds);
  auto service = CloudService::create(*store.value(), serviceSettings);
  if (!service.ok()) return fail(service.error());
  CloudRouter router(*service.value(), {static_cast<double>(options.ipBurst),
                                        std::chrono::milliseconds(options.ipRefillMs), 4096});
  auto tls = loadTls(options);
  if (!tls.ok()) return fail(tls.error());
  auto server = HttpsServer::create(router, tls.value(), options.server);
  if (!server.ok()) return fail(server.error());
  std::cout << "listening on " << options.listen.substr(0, options.listen.rfind(':')) << ":" << server.value()->port()
            << std::endl;
  cloudLog(LogLevel::kInfo, "serving ", dbPath, " on port ", server.value()->port());
  server.value()->run();
  cloudLog(LogLevel::kInfo, "stopped");
  return 0;
}

void addServeCommand(CLI::App& app, std::string& dbPath, ServeOptions& options, CLI::App*& command) {
  command = app.add_subcommand("serve", "Serve the cloud API over HTTPS");
  command->add_option("--db", dbPath, "SQLite database file (created 0600)")->required();
  command->add_option("--listen", options.listen, "IP:PORT to listen on (default 0.0.0.0:8443)");
  auto* certificate = command->add_option("--cert", options.certificateFile, "PEM certificate chain file");
  command->add_option("--key", options.keyFile, "PEM private key file");
  command->add_flag("--self-signed", options.selfSigned, "Make a self-signed certificate and print its SHA-256")
      ->excludes(certificate);
  command->add_option("--threads", options.server.threads, "Request threads (default 2)")->check(CLI::Range(1, 64));
  command->add_option("--max-connections", options.server.connections.maxConnections, "Default 512");
  command->add_option("--max-per-address", options.server.connections.maxPerAddress, "Default 16");
  command->add_option("--deadline-ms", options.deadlineMs, "Total time per connection (default 10000)")
      ->check(CLI::Range(int64_t{100}, int64_t{600000}));
  command->add_option("--ip-burst", options.ipBurst, "Per-IP burst (default 20)");
  command->add_option("--ip-refill-ms", options.ipRefillMs, "Per-IP: one more request every N ms (default 500)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}));
#ifdef NEFIA_TEST_HOOKS
  command->add_option("--test-bootstrap-ttl-seconds", options.bootstrapTtlSeconds,
                      "Test hook: bootstrap code lifetime (default 300)")
      ->check(CLI::Range(int64_t{1}, int64_t{300}));
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nefia-cloud: the self-hostable cloud API (enrollment relay, agent tokens, endpoints)"};
  app.require_subcommand(1);
  std::string dbPath;
  ServeOptions options;
  CLI::App* serveCommand = nullptr;
  addServeCommand(app, dbPath, options, serveCommand);
  CLI::App* team = app.add_subcommand("team", "Teams")->require_subcommand(1);
  CLI::App* teamCreate = team->add_subcommand("create", "Create a team and print its id");
  std::string teamName;
  teamCreate->add_option("--db", dbPath, "SQLite database file")->required();
  teamCreate->add_option("--name", teamName, "Team name")->required();
  CLI::App* apikey = app.add_subcommand("apikey", "Operator API keys")->require_subcommand(1);
  CLI::App* apikeyCreate = apikey->add_subcommand("create", "Create an API key for a team and print it once");
  std::string teamId;
  apikeyCreate->add_option("--db", dbPath, "SQLite database file")->required();
  apikeyCreate->add_option("--team", teamId, "Team id (from `team create`)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  Logger::instance().addSink(makeStderrSink());
  if (serveCommand->parsed()) return serve(dbPath, options);
  auto store = SqliteCloudStore::open(dbPath);
  if (!store.ok()) return fail(store.error());
  if (teamCreate->parsed()) {
    auto id = store.value()->createTeam(teamName);
    if (!id.ok()) return fail(id.error());
    std::cout << id.value() << "\n";
    return 0;
  }
  const std::string key = "nfk_" + randomToken();
  if (Status added = store.value()->addApiKey(teamId, sha256Hex(key)); !added.ok()) return fail(added.error());
  std::cout << key << "\n";
  return 0;
}
