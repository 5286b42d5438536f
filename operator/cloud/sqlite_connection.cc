// Opening, statements and transactions of the cloud's SQLite connections. Every failure names the statement's
// purpose and SQLite's own message; never a bound value (they may be hashes of credentials).
#include "operator/cloud/sqlite_connection.h"

#include <fcntl.h>
#include <unistd.h>

namespace nefia::cloud {

SqliteConnection::SqliteConnection(const std::string& path, std::chrono::milliseconds busyTimeout) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw SqliteFailure("cannot open database file " + path);
  ::close(fd);
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteFailure("cannot open database " + path + ": " + message);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(busyTimeout.count()));
  execute("PRAGMA journal_mode=WAL");
  execute("PRAGMA synchronous=FULL");
  execute("PRAGMA foreign_keys=ON");
}

SqliteConnection::~SqliteConnection() { sqlite3_close(db_); }

void SqliteConnection::fail(const std::string& what) { throw SqliteFailure(what + ": " + sqlite3_errmsg(db_)); }

void SqliteConnection::execute(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    throw SqliteFailure("database statement failed: " + text);
  }
}

int64_t SqliteConnection::userVersion() {
  SqliteStatement statement(*this, "PRAGMA user_version");
  statement.step();
  return statement.integer(0);
}

SqliteStatement::SqliteStatement(SqliteConnection& connection, const char* sql) : connection_(connection) {
  if (sqlite3_prepare_v2(connection.handle(), sql, -1, &statement_, nullptr) != SQLITE_OK) {
    connection.fail("cannot prepare database statement");
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

SqliteStatement& SqliteStatement::bind(int index, const std::string& text) {
  if (sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
    connection_.fail("cannot bind database parameter");
  }
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) connection_.fail("cannot bind database parameter");
  return *this;
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.fail("database step failed");
}

void SqliteStatement::run() {
  while (step()) {
  }
}

std::string SqliteStatement::text(int column) {
  const auto* bytes = sqlite3_column_text(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  return bytes ? std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size)) : std::string();
}

int64_t SqliteStatement::integer(int column) { return sqlite3_column_int64(statement_, column); }

int SqliteStatement::changes() { return sqlite3_changes(connection_.handle()); }

SqliteTransaction::SqliteTransaction(SqliteConnection& connection) : connection_(connection) {
  connection_.execute("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  if (done_) return;
  sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
  connection_.execute("COMMIT");
  done_ = true;
}

}  // namespace nefia::cloud
