#include "tessera/collection/collection.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <unordered_set>
#include <utility>

#include "collection_store.h"
#include "filtered_search.h"
#include "tessera/core/check.h"
#include "tessera/core/checksum.h"
#include "tessera/core/file_lock.h"
#include "tessera/core/utf8.h"

namespace tessera {

namespace fs = std::filesystem;
using collection_detail::CollectionStore;
using collection_detail::kDatabaseFile;
using collection_detail::StoredDocument;

struct Collection::Row {
  std::string id;  // empty once replaced or deleted
  std::string text;
  std::string metadata;
  DocumentFields fields;
};

namespace collection_detail {
// BM25 over the documents live at one generation; doc d of the index is row rows[d].
struct LexicalIndex {
  uint64_t generation = 0;
  std::optional<Bm25Index> index;  // none while the collection is empty
  std::vector<int64_t> rows;
};
}  // namespace collection_detail

namespace {

constexpr int64_t kEmbedBatch = 4096;

std::string file_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TESSERA_CHECK(in.good(), "cannot read {}", path);
  Checksum sum;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    sum.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  return checksum_hex(sum.value());
}

const std::string& meta_value(const std::map<std::string, std::string>& meta,
                              const std::string& key, const std::string& path) {
  const auto it = meta.find(key);
  TESSERA_CHECK(it != meta.end(), "{}: the meta table has no '{}'", path, key);
  return it->second;
}

// Parses metadata text; the compact JSON stored, and its fields for filters.
std::pair<std::string, DocumentFields> parse_metadata(const std::string& text,
                                                      const std::string& where) {
  nlohmann::json metadata;
  try {
    metadata = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("{}: metadata is not valid JSON: {}", where, e.what());
  }
  TESSERA_CHECK(metadata.is_object(), "{}: metadata must be a JSON object, got {}", where,
                metadata.type_name());
  return {metadata.dump(), DocumentFields(metadata)};
}

TopK empty_top(int64_t num_queries, int64_t k) {
  TopK top;
  top.num_queries = num_queries;
  top.k = k;
  top.ids.assign(num_queries * k, -1);
  top.scores.assign(num_queries * k, -std::numeric_limits<float>::infinity());
  return top;
}

}  // namespace

std::string validate_document_id(std::string_view id) {
  if (id.empty()) return "an id must not be empty";
  if (std::ssize(id) > kMaxIdBytes) {
    return fmt::format("an id has at most {} bytes, got {}", kMaxIdBytes, id.size());
  }
  if (!is_valid_utf8(id)) return "an id must be UTF-8";
  for (const char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return "an id must not hold control characters";
    }
  }
  return {};
}

std::string model_file_checksum(const std::string& path) { return file_checksum(path); }

void Collection::create(const std::string& directory, const CollectionOptions& options) {
  std::error_code error;
  if (fs::exists(directory, error)) {
    TESSERA_CHECK(fs::is_directory(directory, error) && fs::is_empty(directory, error),
                  "{} exists and is not an empty directory; a collection needs a new one",
                  directory);
  }
  TESSERA_CHECK(!options.model_path.empty(), "a collection needs a model");
  const std::string model_path = fs::absolute(options.model_path).lexically_normal().string();
  const Model model = Model::load(model_path);
  const IndexSpec spec = parse_index_spec(options.index);
  const int64_t dim = options.dim > 0 ? options.dim : model.dim();
  TESSERA_CHECK(dim <= model.dim(), "--dim {} is more than the model's {} dims", dim, model.dim());
  const ResolvedIndexSpec resolved = resolve(spec, dim, options.defaults);
  TESSERA_CHECK(resolved.dim() <= model.dim(), "index {} needs {} dims; the model has {}",
                resolved.name(), resolved.dim(), model.dim());
  const std::map<std::string, std::string> meta = {
      {"format", collection_detail::kCollectionFormat},
      {"version", std::to_string(collection_detail::kCollectionVersion)},
      {"model_path", model_path},
      {"model_checksum", file_checksum(model_path)},
      {"index", resolved.name()},
      {"dim", std::to_string(resolved.dim())},
      {"shortlist", std::to_string(options.defaults.shortlist)},
      {"synchronous", std::string(name_of(options.synchronous))},
  };
  fs::create_directories(directory, error);
  TESSERA_CHECK(!error, "cannot create {}: {}", directory, error.message());
  // Written beside its name and renamed: a create cut short leaves no half-made database, and a
  // failed one not even the directory (a server would find it there and refuse to start).
  const std::string path = (fs::path(directory) / kDatabaseFile).string();
  const std::string temporary = path + ".tmp";
  try {
    CollectionStore::create(temporary, meta);
    fs::rename(temporary, path);
  } catch (const std::exception& e) {
    fs::remove_all(directory, error);
    TESSERA_FAIL("cannot create the collection {}: {}", directory, e.what());
  }
}

std::unique_ptr<Collection> Collection::open(const std::string& directory,
                                             std::shared_ptr<const Model> model) {
  const std::string path = (fs::path(directory) / kDatabaseFile).string();
  std::error_code error;
  TESSERA_CHECK(fs::exists(path, error), "{} is not a tessera collection (no {})", directory,
                kDatabaseFile);
  std::unique_ptr<Collection> collection(new Collection());
  Collection& c = *collection;
  c.directory_ = directory;
  c.lock_ = std::make_unique<FileLock>(
      (fs::path(directory) / collection_detail::kLockFile).string(), "collection " + directory);
  c.store_ = std::make_unique<CollectionStore>(path);
  const std::map<std::string, std::string> meta = c.store_->meta();
  c.model_path_ = meta_value(meta, "model_path", path);
  c.model_checksum_ = meta_value(meta, "model_checksum", path);
  c.synchronous_ = parse_enum<Synchronous>(meta_value(meta, "synchronous", path), "synchronous");
  c.store_->set_synchronous(c.synchronous_);
  if (model == nullptr) {
    const std::string now = file_checksum(c.model_path_);
    TESSERA_CHECK(now == c.model_checksum_,
                  "{}: the model {} changed since the collection was made (checksum {}, now {}); "
                  "its vectors would not match the stored ones",
                  directory, c.model_path_, c.model_checksum_, now);
    model = std::make_shared<const Model>(Model::load(c.model_path_));
  }
  c.model_ = std::move(model);
  IndexDefaults defaults;
  defaults.shortlist = std::stoll(meta_value(meta, "shortlist", path));
  c.spec_ = resolve(parse_index_spec(meta_value(meta, "index", path)), c.model_->dim(), defaults);
  c.dim_ = c.spec_.dim();
  TESSERA_CHECK(c.dim_ == std::stoll(meta_value(meta, "dim", path)) && c.dim_ <= c.model_->dim(),
                "{}: index {} of {} dims does not fit the model's {}", path, c.spec_.name(),
                meta_value(meta, "dim", path), c.model_->dim());
  c.index_ = make_index(c.spec_, c.model_->normalization() == Normalization::kL2);

  // The rows, in the order written, into the index a block at a time.
  std::vector<Row> rows;
  Tensor block = Tensor::empty({kEmbedBatch, c.dim_});
  int64_t filled = 0;
  auto flush = [&] {
    if (filled == 0) return;
    c.add_rows(std::move(rows), block.slice_rows(0, filled));
    rows.clear();
    filled = 0;
  };
  c.store_->for_each([&](CollectionDocument&& document, std::span<const float> vector) {
    TESSERA_CHECK(std::ssize(vector) == c.dim_, "{}: document '{}' has a vector of {} dims, not {}",
                  path, document.id, vector.size(), c.dim_);
    std::copy(vector.begin(), vector.end(), block.row(filled++));
    auto [metadata, fields] = parse_metadata(document.metadata, path + ": document " + document.id);
    rows.push_back(
        {std::move(document.id), std::move(document.text), std::move(metadata), std::move(fields)});
    if (filled == kEmbedBatch) flush();
  });
  flush();
  return collection;
}

std::pair<std::string, std::string> Collection::model_of(const std::string& directory) {
  const std::string path = (fs::path(directory) / kDatabaseFile).string();
  std::error_code error;
  TESSERA_CHECK(fs::exists(path, error), "{} is not a tessera collection (no {})", directory,
                kDatabaseFile);
  CollectionStore store(path);
  const std::map<std::string, std::string> meta = store.meta();
  return {meta_value(meta, "model_path", path), meta_value(meta, "model_checksum", path)};
}

Collection::~Collection() = default;

void Collection::add_rows(std::vector<Row> rows, const Tensor& vectors) {
  index_->add(vectors);
  for (Row& row : rows) {
    by_id_[row.id] = std::ssize(rows_);
    rows_.push_back(std::move(row));
    live_.push_back(1);
  }
}

UpsertCounts Collection::upsert(std::span<const CollectionDocument> documents) {
  UpsertCounts counts;
  if (documents.empty()) return counts;
  std::vector<Row> rows;
  rows.reserve(documents.size());
  std::vector<std::string> texts;
  texts.reserve(documents.size());
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < documents.size(); ++i) {
    const CollectionDocument& document = documents[i];
    const std::string where = fmt::format("document {} ('{}')", i, document.id);
    const std::string problem = validate_document_id(document.id);
    TESSERA_CHECK(problem.empty(), "document {}: {}", i, problem);
    TESSERA_CHECK(seen.insert(document.id).second, "{}: the id appears twice in the batch", where);
    auto [metadata, fields] = parse_metadata(document.metadata, where);
    rows.push_back({document.id, document.text, std::move(metadata), std::move(fields)});
    texts.push_back(document.text);
  }
  const Tensor vectors = model_->embed(texts, dim_, kDocumentTower, {"document", 0});
  std::vector<StoredDocument> stored(documents.size());
  std::vector<CollectionDocument> canonical(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    canonical[i] = {rows[i].id, rows[i].text, rows[i].metadata};
    stored[i] = {&canonical[i], {vectors.row(static_cast<int64_t>(i)), static_cast<size_t>(dim_)}};
  }

  const std::lock_guard<std::mutex> writer(write_mutex_);
  store_->write(stored, {});
  std::vector<int64_t> replaced;
  for (const Row& row : rows) {
    const auto it = by_id_.find(row.id);
    if (it != by_id_.end()) replaced.push_back(it->second);
  }
  const std::unique_lock<WriterFirstMutex> state(state_mutex_);
  if (!replaced.empty()) index_->remove(replaced);
  for (const int64_t row : replaced) {
    rows_[row] = Row();
    live_[row] = 0;
  }
  add_rows(std::move(rows), vectors);
  ++generation_;
  counts.replaced = std::ssize(replaced);
  counts.added = std::ssize(documents) - counts.replaced;
  return counts;
}

int64_t Collection::remove(std::span<const std::string> ids) {
  const std::lock_guard<std::mutex> writer(write_mutex_);
  std::vector<std::string> present;
  std::vector<int64_t> rows;
  std::unordered_set<std::string_view> seen;
  for (const std::string& id : ids) {
    const auto it = by_id_.find(id);
    if (it == by_id_.end() || !seen.insert(id).second) continue;
    present.push_back(id);
    rows.push_back(it->second);
  }
  if (present.empty()) return 0;
  store_->write({}, present);
  const std::unique_lock<WriterFirstMutex> state(state_mutex_);
  index_->remove(rows);
  for (size_t i = 0; i < rows.size(); ++i) {
    by_id_.erase(present[i]);
    rows_[rows[i]] = Row();
    live_[rows[i]] = 0;
  }
  ++generation_;
  return std::ssize(present);
}

std::vector<std::optional<CollectionDocument>> Collection::get(
    std::span<const std::string> ids) const {
  std::vector<std::optional<CollectionDocument>> documents(ids.size());
  const std::shared_lock<WriterFirstMutex> state(state_mutex_);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto it = by_id_.find(ids[i]);
    if (it == by_id_.end()) continue;
    const Row& row = rows_[it->second];
    documents[i] = CollectionDocument{row.id, row.text, row.metadata};
  }
  return documents;
}

Tensor Collection::query_vectors(const CollectionSearchRequest& request) const {
  const int64_t nq = std::ssize(request.queries);
  Tensor vectors = Tensor::empty({nq, dim_});
  std::vector<std::string> texts;
  std::vector<int64_t> text_rows;
  for (int64_t q = 0; q < nq; ++q) {
    const CollectionQuery& query = request.queries[q];
    if (query.vector.empty()) {
      texts.push_back(query.text);
      text_rows.push_back(q);
      continue;
    }
    TESSERA_CHECK(std::ssize(query.vector) == dim_ || std::ssize(query.vector) == model_->dim(),
                  "query {}: a vector of {} dims; the collection searches {} (or the model's {})",
                  q, query.vector.size(), dim_, model_->dim());
    for (const float value : query.vector) {
      TESSERA_CHECK(std::isfinite(value), "query {}: the vector holds a value that is not finite",
                    q);
    }
    const Tensor given = Tensor::from({1, std::ssize(query.vector)}, query.vector);
    const Tensor cut = model_->cut(given, dim_);
    std::copy_n(cut.row(0), dim_, vectors.row(q));
  }
  if (!texts.empty()) {
    const Tensor embedded = model_->embed(texts, dim_, kQueryTower, {"query", 0});
    for (size_t i = 0; i < text_rows.size(); ++i) {
      std::copy_n(embedded.row(static_cast<int64_t>(i)), dim_, vectors.row(text_rows[i]));
    }
  }
  return vectors;
}

std::vector<uint8_t> Collection::allowed_rows(const MetadataFilter* filter, int64_t& count) const {
  std::vector<uint8_t> allowed(rows_.size(), 0);
  count = 0;
  for (size_t row = 0; row < rows_.size(); ++row) {
    if (live_[row] != 0 && (filter == nullptr || filter->matches(rows_[row].fields))) {
      allowed[row] = 1;
      ++count;
    }
  }
  return allowed;
}

TopK Collection::dense_search(const Tensor& vectors, int64_t k, const SearchParams& params,
                              const std::vector<uint8_t>* allowed, int64_t num_allowed) const {
  if (allowed != nullptr) {
    return collection_detail::filtered_search(*index_, vectors, k, params, *allowed, num_allowed);
  }
  if (index_->size() == 0) return empty_top(vectors.rows(), k);
  return index_->search(vectors, k, params);
}

std::shared_ptr<const collection_detail::LexicalIndex> Collection::lexical_index() const {
  const std::lock_guard<std::mutex> building(lexical_mutex_);
  std::vector<std::string> texts;
  auto built = std::make_shared<collection_detail::LexicalIndex>();
  {
    const std::shared_lock<WriterFirstMutex> state(state_mutex_);
    if (lexical_ != nullptr && lexical_->generation == generation_) return lexical_;
    built->generation = generation_;
    for (size_t row = 0; row < rows_.size(); ++row) {
      if (live_[row] == 0) continue;
      texts.push_back(rows_[row].text);
      built->rows.push_back(static_cast<int64_t>(row));
    }
  }
  if (!texts.empty()) built->index.emplace(texts);
  lexical_ = built;
  return lexical_;
}

namespace {

// The `depth` best BM25 documents per query among the allowed rows (live now, matching the
// filter): the index of an older generation may hold rows deleted since, which are skipped, and
// lacks rows added since. The index is asked for more while a query's list stays short.
TopK lexical_search(const collection_detail::LexicalIndex& lexical,
                    std::span<const std::string> texts, int64_t depth,
                    std::span<const uint8_t> allowed, bool filtered) {
  const int64_t nq = std::ssize(texts);
  TopK top = empty_top(nq, depth);
  if (!lexical.index) return top;
  const Bm25Index& index = *lexical.index;
  const int64_t num_docs = index.num_documents();
  for (int64_t q = 0; q < nq; ++q) {
    int64_t asked = std::min<int64_t>(num_docs, filtered ? 4 * depth : depth + 16);
    while (true) {
      const std::vector<Bm25Hit> hits = index.search(texts[q], asked);
      int64_t kept = 0;
      for (const Bm25Hit& hit : hits) {
        const int64_t row = lexical.rows[hit.doc];
        if (row >= std::ssize(allowed) || allowed[row] == 0) continue;
        top.ids[q * depth + kept] = row;
        top.scores[q * depth + kept] = hit.score;
        if (++kept == depth) break;
      }
      if (kept == depth || std::ssize(hits) < asked || asked == num_docs) break;
      asked = std::min(num_docs, asked * 4);
    }
  }
  return top;
}

}  // namespace

std::vector<std::vector<CollectionHit>> Collection::search(
    const CollectionSearchRequest& request) const {
  TESSERA_CHECK(request.k >= 1, "k must be at least 1, got {}", request.k);
  const int64_t nq = std::ssize(request.queries);
  const bool dense = request.method != SearchMethod::kBm25;
  const bool lexical = request.method != SearchMethod::kDense;
  std::vector<std::string> texts;
  if (lexical) {
    for (int64_t q = 0; q < nq; ++q) {
      TESSERA_CHECK(request.queries[q].vector.empty(),
                    "query {}: {} search reads a query text, not a vector", q,
                    name_of(request.method));
      texts.push_back(request.queries[q].text);
    }
  }
  Tensor vectors;
  if (dense) vectors = query_vectors(request);
  std::shared_ptr<const collection_detail::LexicalIndex> bm25;
  if (lexical) bm25 = lexical_index();

  const std::shared_lock<WriterFirstMutex> state(state_mutex_);
  const bool filtered = request.filter != nullptr && !request.filter->empty();
  int64_t num_allowed = 0;
  std::vector<uint8_t> allowed;
  if (filtered || lexical) allowed = allowed_rows(filtered ? request.filter : nullptr, num_allowed);
  const int64_t depth = request.method == SearchMethod::kHybrid
                            ? std::max(request.k, request.fusion.depth)
                            : request.k;
  TopK top;
  if (dense)
    top = dense_search(vectors, depth, request.params, filtered ? &allowed : nullptr, num_allowed);
  if (lexical) {
    TopK words = lexical_search(*bm25, texts, depth, allowed, filtered);
    top = dense ? fuse(words, top, request.k, request.fusion) : std::move(words);
  }

  std::vector<std::vector<CollectionHit>> results(nq);
  for (int64_t q = 0; q < nq; ++q) {
    for (int64_t j = 0; j < std::min(request.k, top.k); ++j) {
      const int64_t row = top.ids[q * top.k + j];
      if (row < 0) break;
      const Row& document = rows_[row];
      results[q].push_back(
          {document.id, top.scores[q * top.k + j], document.text, document.metadata});
    }
  }
  return results;
}

CollectionInfo Collection::info() const {
  const std::shared_lock<WriterFirstMutex> state(state_mutex_);
  CollectionInfo info;
  info.documents = index_->size();
  info.dim = dim_;
  info.index = spec_.name();
  info.model_path = model_path_;
  info.model_checksum = model_checksum_;
  info.synchronous = std::string(name_of(synchronous_));
  info.index_memory_bytes = index_->memory_bytes();
  info.removed_rows = index_->num_removed();
  return info;
}

std::string Collection::check_integrity() {
  const std::lock_guard<std::mutex> writer(write_mutex_);
  std::string problems = store_->integrity_check();
  if (problems != "ok") return "SQLite: " + problems;
  const std::shared_lock<WriterFirstMutex> state(state_mutex_);
  const int64_t stored = store_->count();
  if (stored != index_->size() || stored != std::ssize(by_id_)) {
    return fmt::format("{} rows stored, {} vectors in the index, {} ids", stored, index_->size(),
                       by_id_.size());
  }
  int64_t missing = 0;
  store_->for_each([&](CollectionDocument&& document, std::span<const float>) {
    const auto it = by_id_.find(document.id);
    if (it == by_id_.end() || rows_[it->second].text != document.text) ++missing;
  });
  if (missing > 0) return fmt::format("{} stored rows are not in the index as stored", missing);
  return "ok";
}

}  // namespace tessera
