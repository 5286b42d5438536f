// Migration 1 creates the tables; migration 2 adds the indexes the token and expiry lookups need. A new migration
// is a new entry at the end; an entry that shipped is never edited.
#include "operator/cloud/sqlite_schema.h"

#include <array>
#include <string>

namespace nefia::cloud {
namespace {

constexpr std::array kMigrations = {
    R"sql(
CREATE TABLE teams(id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE api_keys(key_sha256 TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id),
                      created_at INTEGER NOT NULL);
CREATE TABLE server_secrets(name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE enrollment_sessions(
  nonce TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id), expected_host_id TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK(state IN ('pending', 'completed', 'consumed')),
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  agent_host_id TEXT NOT NULL DEFAULT '', agent_public_key TEXT NOT NULL DEFAULT '',
  agent_endpoint TEXT NOT NULL DEFAULT '', agent_local_endpoint TEXT NOT NULL DEFAULT '',
  agent_nat_type TEXT NOT NULL DEFAULT '', invite_token TEXT NOT NULL DEFAULT '',
  operator_answer TEXT NOT NULL DEFAULT '');
CREATE TABLE hosts(
  host_id TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id), public_key TEXT NOT NULL,
  endpoint TEXT NOT NULL DEFAULT '', local_endpoint TEXT NOT NULL DEFAULT '', nat_type TEXT NOT NULL DEFAULT '',
  last_report_at INTEGER NOT NULL DEFAULT 0);
CREATE TABLE api_tokens(
  token_sha256 TEXT PRIMARY KEY, host_id TEXT NOT NULL REFERENCES hosts(host_id), team_id TEXT NOT NULL,
  issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL DEFAULT 0,
  rotation_request_id TEXT NOT NULL DEFAULT '', replaced_by_sha256 TEXT NOT NULL DEFAULT '');
)sql",
    R"sql(
CREATE INDEX api_tokens_by_host ON api_tokens(host_id);
CREATE INDEX enrollment_sessions_by_expiry ON enrollment_sessions(expires_at);
)sql",
};

}  // namespace

int64_t latestSchemaVersion() { return static_cast<int64_t>(kMigrations.size()); }

void migrateSchema(SqliteConnection& connection, int64_t targetVersion) {
  for (;;) {
    SqliteTransaction transaction(connection);
    const int64_t version = connection.userVersion();
    if (version > latestSchemaVersion()) {
      throw SqliteFailure("database schema version " + std::to_string(version) +
                          " is newer than this nefia-cloud knows (" + std::to_string(latestSchemaVersion()) +
                          "): run the nefia-cloud that wrote it");
    }
    if (version >= targetVersion) return;
    connection.execute(kMigrations[static_cast<std::size_t>(version)]);
    connection.execute("PRAGMA user_version = " + std::to_string(version + 1));
    transaction.commit();
  }
}

}  // namespace nefia::cloud
