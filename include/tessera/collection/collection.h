// Collection: documents with user-chosen string ids, their text, metadata and vectors, kept
// durable in SQLite and searchable in memory through an index of the index factory
// (index_spec.h). What `tessera collection ...` and `tessera serve` work on.
//
// On disk, a directory:
//   collection.db      SQLite in WAL mode, the source of truth:
//                        meta(key, value): format, version, model path and checksum, the index
//                          spec, dims, synchronous
//                        documents(seq, id UNIQUE, text, metadata JSON, vector BLOB of float32):
//                          seq grows with every write, so rows come back in the order written
//   collection.db-wal  SQLite's write-ahead log (and -shm)
//   collection.lock    held while a process has the collection open (file_lock.h): a second
//                      process fails at once instead of writing behind the first's index
// The in-memory index is rebuilt from the rows when the collection opens.
//
// Durability: upsert() and remove() return only after their transaction commits. A killed
// process (kill -9, a crash) loses nothing that was acknowledged, and a transaction cut short
// leaves nothing of itself: SQLite's WAL replays committed transactions only. With synchronous
// FULL (the default) each commit also waits for the WAL to reach the disk, so an acknowledged
// write survives power loss too; NORMAL syncs at checkpoints only (faster commits; after power
// loss the last commits may be gone, but the database stays consistent).
//
// Threads: search(), get() and info() are const and run in parallel; writes are serialized, and
// hold off searches only while the index and the id map take the new rows (embedding and the
// SQLite commit happen before).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tessera/collection/metadata_filter.h"
#include "tessera/core/enum_names.h"
#include "tessera/core/writer_first_mutex.h"
#include "tessera/index/bm25.h"
#include "tessera/index/fusion.h"
#include "tessera/index/index.h"
#include "tessera/index/index_spec.h"
#include "tessera/model/model.h"

namespace tessera {

namespace collection_detail {
class CollectionStore;
struct LexicalIndex;
}  // namespace collection_detail

class FileLock;

enum class Synchronous { kFull, kNormal };
inline constexpr EnumName<Synchronous> kSynchronousNames[] = {{Synchronous::kFull, "full"},
                                                              {Synchronous::kNormal, "normal"}};
template <>
inline constexpr EnumNames<Synchronous> enum_names<Synchronous> = kSynchronousNames;

enum class SearchMethod { kDense, kBm25, kHybrid };
inline constexpr EnumName<SearchMethod> kSearchMethodNames[] = {{SearchMethod::kDense, "dense"},
                                                                {SearchMethod::kBm25, "bm25"},
                                                                {SearchMethod::kHybrid, "hybrid"}};
template <>
inline constexpr EnumNames<SearchMethod> enum_names<SearchMethod> = kSearchMethodNames;

struct CollectionOptions {
  std::string model_path;      // the model that embeds documents and queries
  std::string index = "flat";  // an index spec (index_spec.h); its @D, else dim, else the model's
  int64_t dim = 0;
  IndexDefaults defaults;
  Synchronous synchronous = Synchronous::kFull;
};

struct CollectionDocument {
  std::string id;               // 1..kMaxIdBytes bytes of UTF-8, no control characters
  std::string text;             // embedded with the model's document tower
  std::string metadata = "{}";  // a JSON object (compact, as stored)
};

inline constexpr int64_t kMaxIdBytes = 256;

// One query: a text (embedded with the query tower; what bm25 and hybrid search read) or a
// vector of the collection's dims (normalized as the model normalizes).
struct CollectionQuery {
  std::string text;
  std::vector<float> vector;
};

struct CollectionSearchRequest {
  std::vector<CollectionQuery> queries;
  int64_t k = 10;
  SearchMethod method = SearchMethod::kDense;
  SearchParams params;
  FusionOptions fusion;                    // hybrid
  const MetadataFilter* filter = nullptr;  // null: every document
};

struct CollectionHit {
  std::string id;
  float score = 0;
  std::string text;
  std::string metadata;
};

struct CollectionInfo {
  int64_t documents = 0;
  int64_t dim = 0;
  std::string index;  // the canonical spec
  std::string model_path;
  std::string model_checksum;
  std::string synchronous;
  int64_t index_memory_bytes = 0;
  int64_t removed_rows = 0;  // index rows of replaced or deleted documents, dropped on reopen
};

struct UpsertCounts {
  int64_t added = 0;
  int64_t replaced = 0;
};

// What is wrong with a document id ("" when nothing).
std::string validate_document_id(std::string_view id);
// The checksum a collection records of its model file (core/checksum.h, as hex).
std::string model_file_checksum(const std::string& path);

class Collection {
 public:
  // Creates the directory (missing or empty) and its database; an Error if it holds anything
  // else, or the model does not load.
  static void create(const std::string& directory, const CollectionOptions& options);
  // Opens a collection; model: the one to embed with (null: the one its meta names, whose file
  // must still have the checksum recorded at creation).
  static std::unique_ptr<Collection> open(const std::string& directory,
                                          std::shared_ptr<const Model> model = nullptr);
  // The model path and checksum a collection's meta records, read without opening it.
  static std::pair<std::string, std::string> model_of(const std::string& directory);
  ~Collection();
  Collection(const Collection&) = delete;
  Collection& operator=(const Collection&) = delete;

  // Adds documents, replacing those whose id is already there; all or none (one transaction).
  // An Error for an invalid id, an id twice in the batch, metadata that is not a JSON object or
  // a text that is not UTF-8 (naming the document's position).
  UpsertCounts upsert(std::span<const CollectionDocument> documents);
  // Deletes documents by id (ids not there are skipped); returns how many were deleted.
  int64_t remove(std::span<const std::string> ids);

  // The documents of ids, nullopt for those not there.
  std::vector<std::optional<CollectionDocument>> get(std::span<const std::string> ids) const;
  // The k best documents per query, best first (fewer only when fewer match the filter).
  std::vector<std::vector<CollectionHit>> search(const CollectionSearchRequest& request) const;
  CollectionInfo info() const;
  // SQLite's integrity_check, and the rows against the index: "ok" or what is wrong.
  std::string check_integrity();

  const std::string& directory() const { return directory_; }
  const Model& model() const { return *model_; }
  int64_t dim() const { return dim_; }

 private:
  Collection() = default;
  struct Row;

  // Searches queries' vectors (already cut to dim_) in the index, among the allowed rows
  // (null: every live row).
  TopK dense_search(const Tensor& vectors, int64_t k, const SearchParams& params,
                    const std::vector<uint8_t>* allowed, int64_t num_allowed) const;
  // BM25 over the rows live at the last write, built at the first lexical search after it.
  std::shared_ptr<const collection_detail::LexicalIndex> lexical_index() const;
  Tensor query_vectors(const CollectionSearchRequest& request) const;
  // One byte per index row: live and matching the filter (null: every live row).
  std::vector<uint8_t> allowed_rows(const MetadataFilter* filter, int64_t& count) const;
  void add_rows(std::vector<Row> rows, const Tensor& vectors);

  std::string directory_;
  std::unique_ptr<FileLock> lock_;
  std::shared_ptr<const Model> model_;
  std::string model_checksum_;
  std::string model_path_;
  ResolvedIndexSpec spec_;
  int64_t dim_ = 0;
  Synchronous synchronous_ = Synchronous::kFull;

  std::mutex write_mutex_;  // one writer at a time (and the store's connection)
  std::unique_ptr<collection_detail::CollectionStore> store_;

  mutable WriterFirstMutex state_mutex_;  // index_, rows_, by_id_, generation_
  std::unique_ptr<Index> index_;
  std::vector<Row> rows_;  // by index row id; removed rows keep an empty id
  std::vector<uint8_t> live_;
  std::unordered_map<std::string, int64_t> by_id_;
  uint64_t generation_ = 0;  // counts writes: the lexical index knows which it saw

  mutable std::mutex lexical_mutex_;
  mutable std::shared_ptr<const collection_detail::LexicalIndex> lexical_;
};

}  // namespace tessera
