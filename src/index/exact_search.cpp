#include "tessera/index/exact_search.h"

#include <algorithm>
#ifdef __SSE2__
#include <immintrin.h>
#endif
#include <limits>
#include <numeric>

#include "tessera/core/check.h"
#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"
#include "top_k_collector.h"

namespace tessera {

namespace {

using Collector = index_detail::TopKCollector<float, index_detail::HigherScoreFirst>;

// A base block of this many bytes (with its score block) stays in the 512 KiB L2 while its
// GEMM result is folded into the per-query top-k collectors.
constexpr int64_t kBaseBlockBytes = 256 << 10;
constexpr int64_t kMinBaseBlock = 64;
constexpr int64_t kMaxBaseBlock = 1024;
constexpr int64_t kMaxQueryBlock = 128;
constexpr int64_t kMinQueryBlock = 16;

constexpr int64_t kScanChunk = 32;

// Whether any of n scores beats the threshold: four at a time with SSE2 (x86-64's baseline),
// without a branch per score.
inline bool any_above(const float* scores, int64_t n, float threshold) {
  int64_t i = 0;
  bool above = false;
#ifdef __SSE2__
  const __m128 limit = _mm_set1_ps(threshold);
  __m128 mask = _mm_setzero_ps();
  for (; i + 4 <= n; i += 4) mask = _mm_or_ps(mask, _mm_cmpgt_ps(_mm_loadu_ps(scores + i), limit));
  above = _mm_movemask_ps(mask) != 0;
#endif
  for (; i < n; ++i) above |= scores[i] > threshold;
  return above;
}

void check_search_inputs(const Tensor& queries, const Tensor& base, int64_t k) {
  TESSERA_CHECK(queries.ndim() == 2 && base.ndim() == 2,
                "exact search needs 2-d queries and base, got {} and {}", queries.shape_string(),
                base.shape_string());
  TESSERA_CHECK(queries.cols() == base.cols(), "queries have {} dims, the base {}", queries.cols(),
                base.cols());
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
}

TopK make_result(int64_t num_queries, int64_t k) {
  TopK result;
  result.num_queries = num_queries;
  result.k = k;
  result.ids.resize(static_cast<size_t>(num_queries * k));
  result.scores.resize(static_cast<size_t>(num_queries * k));
  return result;
}

// The blocked scan behind both flat kernels. base_rows(b0, b1, tile) returns base rows [b0, b1)
// as a (b1 - b0) x d tensor: a view of the base, or rows decoded into `tile` (per-thread scratch,
// undefined until base_rows allocates it).
template <typename BaseRows>
TopK blocked_top_k(const Tensor& queries, int64_t n, int64_t k, const uint8_t* removed,
                   const BaseRows& base_rows) {
  const int64_t nq = queries.rows();
  const int64_t d = queries.cols();
  TopK result = make_result(nq, k);
  if (nq == 0) return result;

  // Block sizes depend only on the shapes, never on the thread count: every score is computed by
  // the same GEMM call whatever the parallelism, so results are reproducible.
  const int64_t base_block =
      std::clamp(kBaseBlockBytes / (4 * std::max<int64_t>(d, 1)), kMinBaseBlock, kMaxBaseBlock);
  const int64_t query_block = std::clamp((nq + 15) / 16, kMinQueryBlock, kMaxQueryBlock);
  const int64_t num_query_blocks = (nq + query_block - 1) / query_block;

  struct Scratch {
    Tensor scores;  // query_block x base_block
    Tensor tile;    // for decoded base rows: allocated by base_rows when it needs one
    std::vector<Collector> collectors;
  };
  std::vector<Scratch> scratch(static_cast<size_t>(num_threads()));

  parallel_for_dynamic(
      num_query_blocks,
      [&](int64_t block_begin, int64_t block_end, int thread) {
        Scratch& s = scratch[static_cast<size_t>(thread)];
        if (!s.scores.defined()) {
          s.scores = Tensor::empty({query_block, base_block});
          s.collectors.resize(static_cast<size_t>(query_block));
        }
        for (int64_t block = block_begin; block < block_end; ++block) {
          const int64_t q0 = block * query_block;
          const int64_t q1 = std::min(nq, q0 + query_block);
          const Tensor query_rows = queries.slice_rows(q0, q1);
          for (int64_t q = q0; q < q1; ++q) s.collectors[static_cast<size_t>(q - q0)].reset(k);
          for (int64_t b0 = 0; b0 < n; b0 += base_block) {
            const int64_t b1 = std::min(n, b0 + base_block);
            // scores (q1 - q0) x (b1 - b0) = query rows * base rows^T
            Tensor scores = s.scores.slice_rows(0, q1 - q0).prefix_cols(b1 - b0);
            matmul(query_rows, base_rows(b0, b1, s.tile), scores, false, true);
            for (int64_t q = q0; q < q1; ++q) {
              Collector& collector = s.collectors[static_cast<size_t>(q - q0)];
              const float* row = scores.row(q - q0);
              float threshold = collector.threshold();
              const int64_t count = b1 - b0;
              // Candidates soon become rare: a vectorized test of a whole chunk against the
              // threshold skips most chunks without a branch per score.
              for (int64_t c0 = 0; c0 < count; c0 += kScanChunk) {
                const int64_t c1 = std::min(count, c0 + kScanChunk);
                if (!any_above(row + c0, c1 - c0, threshold)) continue;
                for (int64_t j = c0; j < c1; ++j) {
                  if (row[j] > threshold && (removed == nullptr || removed[b0 + j] == 0) &&
                      collector.add(row[j], b0 + j)) {
                    threshold = collector.threshold();
                  }
                }
              }
            }
          }
          for (int64_t q = q0; q < q1; ++q) {
            s.collectors[static_cast<size_t>(q - q0)].drain(
                result.scores.data() + q * k, result.ids.data() + q * k,
                -std::numeric_limits<float>::infinity());
          }
        }
      },
      1);
  return result;
}

}  // namespace

TopK exact_top_k(const Tensor& queries, const Tensor& base, int64_t k, const uint8_t* removed) {
  check_search_inputs(queries, base, k);
  return blocked_top_k(queries, base.rows(), k, removed,
                       [&](int64_t b0, int64_t b1, Tensor&) { return base.slice_rows(b0, b1); });
}

TopK exact_top_k_int8(const Tensor& queries, std::span<const int8_t> codes,
                      std::span<const float> scales, int64_t k, const uint8_t* removed) {
  const int64_t d = queries.cols();
  TESSERA_CHECK(queries.ndim() == 2, "int8 search needs 2-d queries, got {}",
                queries.shape_string());
  TESSERA_CHECK(std::ssize(scales) == d, "queries have {} dims, the int8 scales {}", d,
                scales.size());
  TESSERA_CHECK(d >= 1 && std::ssize(codes) % d == 0, "{} int8 code bytes are not rows of {} dims",
                codes.size(), d);
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  return blocked_top_k(queries, std::ssize(codes) / d, k, removed,
                       [&](int64_t b0, int64_t b1, Tensor& tile) {
                         if (!tile.defined()) tile = Tensor::empty({kMaxBaseBlock, d});
                         Tensor rows = tile.slice_rows(0, b1 - b0);
                         for (int64_t i = b0; i < b1; ++i) {
                           const int8_t* code = codes.data() + i * d;
                           float* out = rows.row(i - b0);
                           for (int64_t c = 0; c < d; ++c) {
                             out[c] = static_cast<float>(code[c]) * scales[static_cast<size_t>(c)];
                           }
                         }
                         return rows;
                       });
}

TopK exact_top_k_naive(const Tensor& queries, const Tensor& base, int64_t k) {
  check_search_inputs(queries, base, k);
  const int64_t nq = queries.rows();
  const int64_t n = base.rows();
  TopK result = make_result(nq, k);
  std::vector<double> scores(static_cast<size_t>(n));
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t q = 0; q < nq; ++q) {
    for (int64_t i = 0; i < n; ++i) {
      double dot = 0.0;
      for (int64_t c = 0; c < queries.cols(); ++c) {
        dot += static_cast<double>(queries.row(q)[c]) * static_cast<double>(base.row(i)[c]);
      }
      scores[static_cast<size_t>(i)] = dot;
    }
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
    });
    for (int64_t j = 0; j < k; ++j) {
      const bool filled = j < n;
      const auto slot = static_cast<size_t>(q * k + j);
      result.ids[slot] = filled ? order[static_cast<size_t>(j)] : -1;
      result.scores[slot] =
          filled ? static_cast<float>(scores[static_cast<size_t>(order[static_cast<size_t>(j)])])
                 : -std::numeric_limits<float>::infinity();
    }
  }
  return result;
}

}  // namespace tessera
