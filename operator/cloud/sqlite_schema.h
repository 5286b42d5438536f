// The cloud database's schema as numbered migrations; PRAGMA user_version records how many ran. Opening the store
// applies the missing ones, each in its own transaction, and refuses a database from a newer nefia-cloud.
#pragma once

#include <cstdint>

#include "operator/cloud/sqlite_connection.h"

namespace nefia::cloud {

int64_t latestSchemaVersion();
// Applies migrations up to targetVersion (tests stop early to build an old database). Throws SqliteFailure.
void migrateSchema(SqliteConnection& connection, int64_t targetVersion);

}  // namespace nefia::cloud
