// The SQLite side of a collection (collection.h's layout): the schema, its meta values, and
// the document rows, written in one transaction per batch.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sqlite_db.h"
#include "tessera/collection/collection.h"

namespace tessera::collection_detail {

inline constexpr const char* kDatabaseFile = "collection.db";
inline constexpr const char* kLockFile = "collection.lock";
inline constexpr const char* kCollectionFormat = "tessera-collection";
inline constexpr int kCollectionVersion = 1;

// A document as stored: its vector as float32 bytes.
struct StoredDocument {
  const CollectionDocument* document = nullptr;
  std::span<const float> vector;
};

class CollectionStore {
 public:
  // Creates the database with its schema and meta values (path must not exist).
  static void create(const std::string& path, const std::map<std::string, std::string>& meta);
  // Opens an existing database: an Error when it is not a collection of this version.
  explicit CollectionStore(const std::string& path);
  // How commits wait for the disk (collection.h, "Durability").
  void set_synchronous(Synchronous synchronous);

  std::map<std::string, std::string> meta();
  // Every document in the order written: visit(document, vector).
  void for_each(const std::function<void(CollectionDocument&&, std::span<const float>)>& visit);
  // Deletes, then inserts or replaces, in one transaction; returns when it has committed.
  void write(std::span<const StoredDocument> upserts, std::span<const std::string> deletes);
  int64_t count();
  // SQLite's PRAGMA integrity_check: "ok" or the problems it lists.
  std::string integrity_check();
  const std::string& path() const { return db_.path(); }

 private:
  SqliteDb db_;
};

}  // namespace tessera::collection_detail
