// A thin RAII layer over one sqlite3 connection: open with the cloud's pragmas (WAL, busy timeout, foreign keys,
// synchronous FULL), prepared statements, and BEGIN IMMEDIATE transactions. Throws SqliteFailure; only the store's
// public methods catch it, so no exception leaves the store.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace nefia::cloud {

struct SqliteFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SqliteConnection {
 public:
  // Creates the file 0600 when missing.
  SqliteConnection(const std::string& path, std::chrono::milliseconds busyTimeout);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  void execute(const std::string& sql);
  int64_t userVersion();
  sqlite3* handle() { return db_; }
  [[noreturn]] void fail(const std::string& what);

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection& connection, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, const std::string& text);
  SqliteStatement& bind(int index, int64_t value);
  bool step();  // true: a row is ready; false: done
  void run();   // steps to the end
  std::string text(int column);
  int64_t integer(int column);
  int changes();

 private:
  SqliteConnection& connection_;
  sqlite3_stmt* statement_ = nullptr;
};

// BEGIN IMMEDIATE on construction (the write lock up front, so two writers never deadlock on an upgrade), ROLLBACK
// on destruction unless commit() ran.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& connection);
  ~SqliteTransaction();
  void commit();

 private:
  SqliteConnection& connection_;
  bool done_ = false;
};

}  // namespace nefia::cloud
