#include "collection_store.h"

#include <cstring>
#include <filesystem>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/fault_injection.h"

namespace tessera::collection_detail {

namespace {

constexpr std::string_view kSchema = R"(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  text TEXT NOT NULL,
  metadata TEXT NOT NULL,
  vector BLOB NOT NULL);
)";

std::span<const uint8_t> bytes_of(std::span<const float> values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()};
}

}  // namespace

void CollectionStore::create(const std::string& path,
                             const std::map<std::string, std::string>& meta) {
  TESSERA_CHECK(!std::filesystem::exists(path), "{} exists already", path);
  SqliteDb db(path, /*create=*/true);
  TESSERA_CHECK(db.query_text("PRAGMA journal_mode=WAL") == "wal",
                "{}: SQLite cannot use write-ahead logging here", path);
  SqliteTransaction transaction(db);
  db.execute(kSchema);
  SqliteStatement insert(db, "INSERT INTO meta(key, value) VALUES(?, ?)");
  for (const auto& [key, value] : meta) {
    insert.bind(1, key);
    insert.bind(2, value);
    insert.step();
    insert.reset();
  }
  transaction.commit();
}

CollectionStore::CollectionStore(const std::string& path) : db_(path, /*create=*/false) {
  // A second process's transaction waits this long for the write lock before failing.
  sqlite3_busy_timeout(db_.handle(), 5000);
  TESSERA_CHECK(db_.query_text("PRAGMA journal_mode=WAL") == "wal",
                "{}: SQLite cannot use write-ahead logging here", path);
  const std::map<std::string, std::string> values = meta();
  const auto format = values.find("format");
  TESSERA_CHECK(format != values.end() && format->second == kCollectionFormat,
                "{}: not a tessera collection database (no format '{}' in its meta table)", path,
                kCollectionFormat);
  const auto version = values.find("version");
  TESSERA_CHECK(version != values.end() && version->second == std::to_string(kCollectionVersion),
                "{}: collection version {} is not one this tessera reads ({})", path,
                version == values.end() ? "(none)" : version->second, kCollectionVersion);
}

void CollectionStore::set_synchronous(Synchronous synchronous) {
  db_.execute(synchronous == Synchronous::kFull ? "PRAGMA synchronous=FULL"
                                                : "PRAGMA synchronous=NORMAL");
}

std::map<std::string, std::string> CollectionStore::meta() {
  std::map<std::string, std::string> values;
  SqliteStatement select(db_, "SELECT key, value FROM meta");
  while (select.step()) values.emplace(select.column_text(0), select.column_text(1));
  return values;
}

void CollectionStore::for_each(
    const std::function<void(CollectionDocument&&, std::span<const float>)>& visit) {
  SqliteStatement select(db_, "SELECT id, text, metadata, vector FROM documents ORDER BY seq");
  std::vector<float> vector;
  while (select.step()) {
    CollectionDocument document{std::string(select.column_text(0)),
                                std::string(select.column_text(1)),
                                std::string(select.column_text(2))};
    const std::span<const uint8_t> blob = select.column_blob(3);
    TESSERA_CHECK(blob.size() % sizeof(float) == 0,
                  "{}: document '{}' has a vector of {} bytes, not a whole number of floats",
                  path(), document.id, blob.size());
    vector.resize(blob.size() / sizeof(float));
    if (!blob.empty()) std::memcpy(vector.data(), blob.data(), blob.size());
    visit(std::move(document), vector);
  }
}

void CollectionStore::write(std::span<const StoredDocument> upserts,
                            std::span<const std::string> deletes) {
  SqliteTransaction transaction(db_);
  if (!deletes.empty()) {
    SqliteStatement remove(db_, "DELETE FROM documents WHERE id = ?");
    for (const std::string& id : deletes) {
      remove.bind(1, id);
      remove.step();
      remove.reset();
    }
  }
  if (!upserts.empty()) {
    // REPLACE deletes the row of the same id and inserts a new one: its seq is the newest.
    SqliteStatement insert(
        db_, "INSERT OR REPLACE INTO documents(id, text, metadata, vector) VALUES(?, ?, ?, ?)");
    for (const StoredDocument& stored : upserts) {
      insert.bind(1, stored.document->id);
      insert.bind(2, stored.document->text);
      insert.bind(3, stored.document->metadata);
      insert.bind_blob(4, bytes_of(stored.vector));
      insert.step();
      insert.reset();
    }
  }
  fault_point("collection-before-commit");
  transaction.commit();
  fault_point("collection-after-commit");
}

int64_t CollectionStore::count() {
  SqliteStatement select(db_, "SELECT COUNT(*) FROM documents");
  select.step();
  return select.column_int(0);
}

std::string CollectionStore::integrity_check() {
  std::string problems;
  SqliteStatement check(db_, "PRAGMA integrity_check");
  while (check.step()) {
    if (!problems.empty()) problems += "; ";
    problems += check.column_text(0);
  }
  return problems;
}

}  // namespace tessera::collection_detail
