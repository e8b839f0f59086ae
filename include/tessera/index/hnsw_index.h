// HnswIndex: approximate inner-product search over a Hierarchical Navigable Small World graph
// (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
// Hierarchical Navigable Small World graphs", TPAMI 2018), built and walked by hnswlib 0.6.2
// (Debian's header-only libhnswlib-dev). hnswlib stays inside src/index/hnsw_index.cpp, its one
// including translation unit (TOOLCHAIN.md pitfall 2); this header holds no hnswlib type.
//
// Scores are inner products (higher is better, as every Index): cosine similarity when the
// vectors are unit-length, which is what tessera's models give and what HNSW on inner products
// expects (the graph's neighbour selection assumes a metric-like distance; unnormalised vectors
// still work but recall drops). The graph orders by the distance -dot(x, y), so a result's score
// is exactly the inner product the walk computed (AVX2 + FMA when the CPU has them, chosen at run
// time like core/kernels.h; hnswlib's own kernels would follow the compile-time -march).
//
// Ids are given out in add order (0, 1, ...) and are the graph's internal ids, so an id is also
// the slot of the element's record. remove() marks ids deleted (hnswlib's markDelete): the
// graph still walks through them, searches never return them, and their memory stays.
//
// Determinism: the level of every element comes from (seed, id) alone. Insertion runs in
// parallel on tessera's thread pool, so with more than one thread the graph (and the exact
// results) depends on how insertions interleave; with one thread (set_num_threads(1) or
// TESSERA_NUM_THREADS=1) the same vectors always build the same graph. Searches are
// deterministic for a given graph, whatever the thread count.
//
// File fields (index_file.h layout, after the kind "hnsw"), little-endian:
//   i64 dim, i64 m, i64 ef_construction, i64 ef_search, u64 seed
//   i64 count, i64 entry point (-1 when empty), i64 max level (-1 when empty)
//   i32 array    levels, one per element
//   u8 array     level-0 records, count x (4 + 8m + 4 dim + 8) bytes, hnswlib's layout:
//                  u16 link count, u8 flags (1 = removed), u8 0, u32 x 2m neighbour ids (the
//                  first link-count used), f32 x dim vector, u64 id (the element's own id)
//   u32 array    upper-level links, for each element of level L > 0 in id order, levels 1..L:
//                  u32 link count, u32 x m neighbour ids (the first link-count used)
// Reading validates every field (link counts within bounds, neighbour ids below count and present
// on the level that links to them, the entry point on the top level, finite vectors, ...), so no
// file can make a later search read out of bounds.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "tessera/index/index.h"

namespace tessera {

struct HnswOptions {
  // Links per element on the upper levels; level 0 keeps 2m (hnswlib's M). At least 2.
  int64_t m = 16;
  // Candidates kept while inserting (hnswlib's ef_construction): graph quality against build time.
  int64_t ef_construction = 200;
  // Candidates kept while searching when SearchParams::ef_search is 0 (raised to k when lower).
  int64_t ef_search = 64;
  // Seeds the level of every element.
  uint64_t seed = 100;
};

class HnswIndex final : public Index {
 public:
  explicit HnswIndex(int64_t dim, const HnswOptions& options = {});
  ~HnswIndex() override;
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  std::string kind() const override { return "hnsw"; }
  int64_t dim() const override { return dim_; }
  int64_t num_added() const override;
  int64_t num_removed() const override;
  // Inserts the vectors in parallel (ids num_added() ... onwards); the graph grows as needed.
  void add(const Tensor& vectors) override;
  void remove(std::span<const int64_t> ids) override;
  // Walks the graph once per query (queries in parallel) keeping max(ef, k) candidates, ef being
  // params.ef_search or, when 0, options().ef_search. Best first, ties by the lower id; fewer
  // than k found (a small or mostly removed index) pads with id -1 and score -infinity.
  TopK search(const Tensor& queries, int64_t k, const SearchParams& params = {}) const override;
  // Exact inner products with the stored vectors.
  void score(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
             std::span<float> scores) const override;
  // The level-0 record (links, vector, id) plus the upper-level links of an average element.
  double bytes_per_vector() const override;
  // Everything the graph holds: records and links for its capacity, levels, locks, visited lists.
  int64_t memory_bytes() const override;
  void save_fields(IndexFileWriter& out) const override;
  static std::unique_ptr<HnswIndex> read_fields(IndexFileReader& in);

  const HnswOptions& options() const { return options_; }
  // The top level of the graph (-1 when empty).
  int64_t max_level() const;

 private:
  struct Graph;  // the hnswlib graph and its distance space (hnsw_index.cpp)

  int64_t dim_;
  HnswOptions options_;
  std::unique_ptr<Graph> graph_;
};

}  // namespace tessera
