// Index: the one interface of tessera's vector indexes (after FAISS's faiss::Index).
//
//   add(vectors)             appends rows; they get the ids size_with_removed() ... onwards
//   search(queries, k, ...)  the k best ids per query, best first; const and thread-safe
//   remove(ids)              marks ids as removed: never returned again, ids never reused
//   save(path) / load_index  index_file.h's layout, written atomically
//
// Scores are similarities: higher is better. Flat fp32 and int8 score by inner product (cosine
// for unit vectors, which is what models give); binary codes score by bits - 2 * Hamming
// distance (the inner product of the +-1 vectors), so every kind ranks the same way.
// Ties go to the lower id; missing results pad with id -1 and score -infinity.
//
// Kinds: flat_index.h (fp32, int8, binary), hnsw_index.h (graph, approximate), funnel_index.h
// (a shortlist index composed with a rescoring one: Matryoshka adaptive retrieval, binary +
// rescore). BM25 searches text, not vectors: bm25.h, saved in the same file layout.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tessera/core/tensor.h"
#include "tessera/index/exact_search.h"
#include "tessera/index/index_file.h"

namespace tessera {

// Per-call search effort; 0 keeps the index's default.
struct SearchParams {
  int64_t ef_search = 0;  // HNSW: candidates kept while walking the graph (at least k)
  int64_t shortlist = 0;  // funnel: candidates the shortlist index passes on to rescoring
  // true: the k best in any order (a funnel's shortlist, rescored anyway); the flat kinds
  // (fp32, int8, binary) then skip sorting them, the others still sort.
  bool any_order = false;
};

class Index {
 public:
  virtual ~Index() = default;

  // "flat", "int8", "binary", "hnsw", "funnel".
  virtual std::string kind() const = 0;
  // Dimensions of the vectors added and searched.
  virtual int64_t dim() const = 0;
  // Vectors searchable: added and not removed.
  int64_t size() const { return num_added() - num_removed(); }
  // Every vector ever added (the next id to be given out).
  virtual int64_t num_added() const = 0;
  virtual int64_t num_removed() const = 0;

  // Appends vectors (n x dim(); a view with a row stride is fine).
  virtual void add(const Tensor& vectors) = 0;
  // Removes ids; unknown or already removed ids are an Error (nothing is changed then).
  virtual void remove(std::span<const int64_t> ids) = 0;
  // The k best per query (queries: nq x dim()); k >= 1.
  virtual TopK search(const Tensor& queries, int64_t k, const SearchParams& params = {}) const = 0;
  // Similarities of given ids to one query each: scores[q * ids_per_query + j] for ids[q * ...];
  // what a funnel's rescoring index answers. Removed or -1 ids score -infinity. A kind that
  // cannot score single ids throws (every kind here can).
  virtual void score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                     std::span<float> scores) const;

  // Memory held by the stored vectors or codes per vector (bytes), and by the whole index.
  virtual double bytes_per_vector() const = 0;
  virtual int64_t memory_bytes() const = 0;

  // Writes the index to path (atomically; kind() names it in the file).
  void save(const std::string& path) const;
  // The kind's fields, after the file header (index_file.h).
  virtual void save_fields(IndexFileWriter& out) const = 0;
};

// Reads any index file save() wrote; an Error naming the path if it is not one, or truncated,
// corrupted, or of another kind than `expected_kind` (when not empty).
std::unique_ptr<Index> load_index(const std::string& path, std::string_view expected_kind = {});
// Reads the fields of an index of `kind` from an open reader (load_index, and a funnel reading
// its parts).
std::unique_ptr<Index> read_index_fields(std::string_view kind, IndexFileReader& in);

}  // namespace tessera
