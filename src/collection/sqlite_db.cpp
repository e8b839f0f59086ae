#include "sqlite_db.h"

#include <utility>

#include "tessera/core/check.h"

namespace tessera::collection_detail {

SqliteDb::SqliteDb(std::string path, bool create) : path_(std::move(path)) {
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_NOMUTEX;  // one connection per collection, guarded by its owner
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    TESSERA_FAIL("{}: cannot open the collection database: {}", path_, message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

void SqliteDb::check(int rc, std::string_view what) const {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  TESSERA_FAIL("{}: {} failed: {}", path_, what, sqlite3_errmsg(db_));
}

void SqliteDb::execute(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    TESSERA_FAIL("{}: '{}' failed: {}", path_, sql, text);
  }
}

std::string SqliteDb::query_text(std::string_view sql) {
  SqliteStatement statement(*this, sql);
  TESSERA_CHECK(statement.step(), "{}: '{}' returned no row", path_, sql);
  return std::string(statement.column_text(0));
}

SqliteStatement::SqliteStatement(SqliteDb& db, std::string_view sql) : db_(db) {
  db_.check(sqlite3_prepare_v2(db_.handle(), sql.data(), static_cast<int>(sql.size()), &statement_,
                               nullptr),
            sql);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

void SqliteStatement::bind(int index, int64_t value) {
  db_.check(sqlite3_bind_int64(statement_, index, value), "binding a parameter");
}

void SqliteStatement::bind(int index, std::string_view text) {
  db_.check(sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8),
            "binding a parameter");
}

void SqliteStatement::bind_blob(int index, std::span<const uint8_t> bytes) {
  db_.check(sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT),
            "binding a parameter");
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(statement_);
  db_.check(rc, sqlite3_sql(statement_));
  return rc == SQLITE_ROW;
}

void SqliteStatement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

int64_t SqliteStatement::column_int(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string_view SqliteStatement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  return text == nullptr ? std::string_view()
                         : std::string_view(text, sqlite3_column_bytes(statement_, column));
}

std::span<const uint8_t> SqliteStatement::column_blob(int column) const {
  const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(statement_, column));
  return {bytes, static_cast<size_t>(sqlite3_column_bytes(statement_, column))};
}

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db) { db_.execute("BEGIN IMMEDIATE"); }

SqliteTransaction::~SqliteTransaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
  db_.execute("COMMIT");
  done_ = true;
}

}  // namespace tessera::collection_detail
