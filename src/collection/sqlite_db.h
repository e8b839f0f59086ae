// A thin RAII layer over SQLite's C API for the collection store: a connection, prepared
// statements with typed binds and columns, and transactions that roll back unless committed.
// Every failure is a tessera::Error naming the database file and SQLite's message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tessera::collection_detail {

class SqliteDb;

class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are numbered from 1, as SQLite's.
  void bind(int index, int64_t value);
  void bind(int index, std::string_view text);
  void bind_blob(int index, std::span<const uint8_t> bytes);
  // One step: true while a row is there to read, false when done.
  bool step();
  // Clears the bindings and rewinds, to run the statement again.
  void reset();

  int64_t column_int(int column) const;
  std::string_view column_text(int column) const;
  std::span<const uint8_t> column_blob(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* statement_ = nullptr;
};

class SqliteDb {
 public:
  // Opens (creating when allowed) the database at path.
  SqliteDb(std::string path, bool create);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs statements that return no rows (schema, pragmas).
  void execute(std::string_view sql);
  // The single text value a query returns ("PRAGMA journal_mode=WAL" -> "wal").
  std::string query_text(std::string_view sql);
  // Throws an Error naming the database when rc is not SQLITE_OK / ROW / DONE.
  void check(int rc, std::string_view what) const;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction (the write lock is taken at once, so a second writer fails
// early instead of at commit); ROLLBACK on destruction unless commit() ran.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  void commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace tessera::collection_detail
