// Exact (brute-force) k-nearest-neighbour search: the flat indexes' kernels, and the ground
// truth every approximate index is measured against.
//
// Batch calls take row-major matrices: queries (nq x d), base (n x d), each row one vector.
// Results come back as a TopK: row q holds query q's k best base rows, best first. Ties are
// broken by the lower base id, so results are deterministic and independent of the thread
// count. When the base holds fewer than k rows, the tail of each row is padded with id -1.
//
// These are free functions; the flat indexes (flat_index.h) wrap them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

namespace index_detail {
class Int8Blocks;  // src/index/int8_scores.h
}  // namespace index_detail

// k best base rows per query by inner product (higher is better; cosine for unit vectors).
struct TopK {
  int64_t num_queries = 0;
  int64_t k = 0;
  std::vector<int64_t> ids;   // num_queries x k; -1 pads
  std::vector<float> scores;  // num_queries x k; -infinity pads

  std::span<const int64_t> ids_of(int64_t query) const {
    return {ids.data() + query * k, static_cast<size_t>(k)};
  }
  std::span<const float> scores_of(int64_t query) const {
    return {scores.data() + query * k, static_cast<size_t>(k)};
  }
};

// Inner-product top-k: blocks of base rows small enough to stay in cache are multiplied against
// blocks of queries (one GEMM each; a block of one or two queries, a matrix-vector product per
// query, which reads the base rows as they are where a GEMM would pack them), and every query
// keeps its k best (a reservoir with
// nth_element, src/index/top_k_collector.h); query blocks run in
// parallel on tessera's thread pool. queries and base are 2-d with equal columns (views with a
// row stride, e.g. Matryoshka prefixes, are fine); k >= 1. removed: null, or one byte per base
// row, nonzero for rows never to return (an index's deleted vectors).
// any_order: each row's k best in any order instead of best first (saves their sort).
TopK exact_top_k(const Tensor& queries, const Tensor& base, int64_t k,
                 const uint8_t* removed = nullptr, bool any_order = false);

// The same over int8 codes (core/quantize.h; row-major, queries.cols() bytes a row) decoded as
// code * scale: blocks of base rows are decoded into a cache-resident tile, then multiplied.
TopK exact_top_k_int8(const Tensor& queries, std::span<const int8_t> codes,
                      std::span<const float> scales, int64_t k, const uint8_t* removed = nullptr,
                      bool any_order = false);

// Int8Index's search: the queries are quantized to int8 as well (a step per query) and scored with
// integer dot products against codes in int8_scores.h's blocked layout (AVX-512 VNNI where the
// CPU has it), about 4x the throughput of fp32. Scores are step * integer dot product, within
// the queries' rounding of exact_top_k_int8's; the ranking is exact for those scores.
TopK quantized_top_k_int8(const Tensor& queries, const index_detail::Int8Blocks& blocks,
                          std::span<const float> scales, int64_t k,
                          const uint8_t* removed = nullptr, bool any_order = false);

// The build of that scan this CPU runs, for tessera doctor and benchmarks: "avx512-vnni",
// "avx2" or "generic" (TESSERA_SIMD=avx2 keeps it off AVX-512, =generic off AVX2).
std::string_view int8_scan_kernel();

// The same result by dot products in double and a full sort: the test oracle.
TopK exact_top_k_naive(const Tensor& queries, const Tensor& base, int64_t k);

}  // namespace tessera
