#include "tessera/index/exact_search.h"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <numeric>

#include "fold_scores.h"
#include "int8_scores.h"
#include "tessera/core/check.h"
#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"
#include "top_k_collector.h"

namespace tessera {

namespace {

using Collector = index_detail::FloatCollector;
using index_detail::fold_scores;

// A base block of this many bytes (with its score block) stays in the 512 KiB L2 while its
// GEMM result is folded into the per-query top-k collectors.
constexpr int64_t kBaseBlockBytes = 256 << 10;
constexpr int64_t kMinBaseBlock = 64;
constexpr int64_t kMaxBaseBlock = 1024;
constexpr int64_t kMaxQueryBlock = 128;
constexpr int64_t kMinQueryBlock = 16;
// Query blocks of at most this many rows are scored by matrix-vector products instead of a GEMM.
constexpr int64_t kGemvQueries = 2;
// Base blocks and sampled runs start at multiples of this (the int8 scan's blocks of rows).
constexpr int64_t kRowAlign = index_detail::kInt8BlockRows;

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

// Rows sampled for a first guess of each query's threshold: kSampleRuns runs of kSampleRun rows,
// spread evenly over the base.
constexpr int64_t kSampleRuns = 4;
constexpr int64_t kSampleRun = 64;
constexpr int64_t kSampleRows = kSampleRuns * kSampleRun;

// Below this k the threshold settles after a few rows anyway.
constexpr int64_t kMinGuessK = 32;

// The sampled rows a query must beat for about 2k of the n base rows to beat them too; 0 when
// the base is too small, or k too small or too large, for a guess to pay off.
int64_t sample_rank(int64_t n, int64_t k) {
  if (n < 4 * kSampleRows || k < kMinGuessK) return 0;
  const int64_t rank = (2 * k * kSampleRows + n - 1) / n + 2;
  return rank > kSampleRows / 2 ? 0 : rank;
}

// The blocked scan behind the flat kernels. score_rows(q0, q1, b0, b1, scores, tile) writes the
// scores of query rows [q0, q1) with base rows [b0, b1) into scores ((q1 - q0) x (b1 - b0)); b0
// is always a multiple of kRowAlign. tile is per-thread scratch (undefined until score_rows
// allocates it), e.g. for decoded base rows.
//
// Each query's collector starts from a guessed threshold: the score of the sample_rank-th best of
// kSampleRows sampled rows. Its reservoir then fills with near candidates from the start instead
// of lowering the threshold step by step from -infinity (at BEIR's depth of 100 that stepping
// cost more than the GEMM). A guess that lets fewer than k rows through is caught at the end, and
// that query is scanned again without one, so results stay exact.
template <typename ScoreRows>
TopK blocked_top_k(const Tensor& queries, int64_t n, int64_t k, const uint8_t* removed,
                   bool any_order, const ScoreRows& score_rows) {
  const int64_t nq = queries.rows();
  const int64_t d = queries.cols();
  TopK result = make_result(nq, k);
  if (nq == 0) return result;

  // Block sizes depend only on the shapes, never on the thread count: every score is computed by
  // the same GEMM call whatever the parallelism, so results are reproducible.
  const int64_t base_block =
      std::clamp(kBaseBlockBytes / (4 * std::max<int64_t>(d, 1)), kMinBaseBlock, kMaxBaseBlock) /
      kRowAlign * kRowAlign;
  const int64_t query_block = std::clamp((nq + 15) / 16, kMinQueryBlock, kMaxQueryBlock);
  const int64_t num_query_blocks = (nq + query_block - 1) / query_block;
  const int64_t rank = sample_rank(n, k);

  struct Scratch {
    Tensor scores;  // query_block x base_block
    Tensor sample;  // (kSampleRuns x query_block) x kSampleRun: run r in rows r * query_block...
    Tensor tile;    // for decoded base rows: allocated by score_rows when it needs one
    std::vector<Collector> collectors;
    std::vector<uint64_t> keys;  // one query's sampled scores as ranking keys (and scratch)
  };
  std::vector<Scratch> scratch(static_cast<size_t>(num_threads()));

  // Scores base rows [0, n) for query rows [q0, q1) block by block and folds them into the
  // collectors of those queries.
  const auto scan = [&](Scratch& s, int64_t q0, int64_t q1, Collector* collectors) {
    for (int64_t b0 = 0; b0 < n; b0 += base_block) {
      const int64_t b1 = std::min(n, b0 + base_block);
      Tensor scores = s.scores.slice_rows(0, q1 - q0).prefix_cols(b1 - b0);
      score_rows(q0, q1, b0, b1, scores, s.tile);
      for (int64_t q = q0; q < q1; ++q) {
        fold_scores(scores.row(q - q0), b0, b1 - b0, removed, collectors[q - q0]);
      }
    }
  };

  // Starts the collectors of queries [q0, q1), from guessed thresholds when rank > 0.
  const auto start = [&](Scratch& s, int64_t q0, int64_t q1) {
    const float none = -std::numeric_limits<float>::infinity();
    if (rank == 0) {
      for (int64_t q = q0; q < q1; ++q) s.collectors[static_cast<size_t>(q - q0)].reset(k, none);
      return;
    }
    for (int64_t r = 0; r < kSampleRuns; ++r) {
      const int64_t first = r * (n - kSampleRun) / (kSampleRuns - 1) / kRowAlign * kRowAlign;
      Tensor scores = s.sample.slice_rows(r * query_block, r * query_block + q1 - q0);
      score_rows(q0, q1, first, first + kSampleRun, scores, s.tile);
    }
    s.keys.resize(2 * kSampleRows);
    for (int64_t q = q0; q < q1; ++q) {
      for (int64_t r = 0; r < kSampleRuns; ++r) {
        const float* sampled = s.sample.row(r * query_block + q - q0);
        for (int64_t j = 0; j < kSampleRun; ++j) {
          s.keys[static_cast<size_t>(r * kSampleRun + j)] =
              index_detail::ranking_detail::key_of<index_detail::HigherScoreFirst>(
                  {sampled[j], r * kSampleRun + j});
        }
      }
      // The rank best sampled scores (radix select: no branch mispredictions), then the worst.
      index_detail::radix_select_keys(s.keys, kSampleRows, static_cast<size_t>(rank));
      const uint64_t guess =
          *std::max_element(s.keys.begin(), s.keys.begin() + static_cast<std::ptrdiff_t>(rank));
      const float score =
          index_detail::ranking_detail::from_key<index_detail::HigherScoreFirst>(guess).score;
      // Strictly above the next float down: rows scoring exactly the guess are kept.
      s.collectors[static_cast<size_t>(q - q0)].reset(k, std::nextafter(score, none));
    }
  };

  parallel_for_dynamic(
      num_query_blocks,
      [&](int64_t block_begin, int64_t block_end, int thread) {
        Scratch& s = scratch[static_cast<size_t>(thread)];
        if (!s.scores.defined()) {
          s.scores = Tensor::empty({query_block, base_block});
          s.sample = Tensor::empty({kSampleRuns * query_block, kSampleRun});
          s.collectors.resize(static_cast<size_t>(query_block));
        }
        for (int64_t block = block_begin; block < block_end; ++block) {
          const int64_t q0 = block * query_block;
          const int64_t q1 = std::min(nq, q0 + query_block);
          start(s, q0, q1);
          scan(s, q0, q1, s.collectors.data());
          for (int64_t q = q0; q < q1; ++q) {
            Collector& collector = s.collectors[static_cast<size_t>(q - q0)];
            if (rank > 0 && static_cast<int64_t>(collector.size()) < std::min(k, n)) {
              collector.reset(k);  // the guess was too tight: this query again, without one
              scan(s, q, q + 1, &collector);
            }
            collector.drain(
                result.scores.data() + q * k, result.ids.data() + q * k,
                -std::numeric_limits<float>::infinity(),
                any_order ? index_detail::KeptOrder::kAny : index_detail::KeptOrder::kBestFirst);
          }
        }
      },
      1);
  return result;
}

}  // namespace

TopK exact_top_k(const Tensor& queries, const Tensor& base, int64_t k, const uint8_t* removed,
                 bool any_order) {
  check_search_inputs(queries, base, k);
  return blocked_top_k(
      queries, base.rows(), k, removed, any_order,
      [&](int64_t q0, int64_t q1, int64_t b0, int64_t b1, Tensor& scores, Tensor&) {
        // scores = query rows * base rows^T. A GEMM packs the base block for every call, which
        // for one query costs more than the products (a server's searches come one at a time):
        // a matrix-vector product per query reads the block as it is.
        if (q1 - q0 <= kGemvQueries) {
          for (int64_t q = q0; q < q1; ++q) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(b1 - b0),
                        static_cast<int>(base.cols()), 1.0f, base.row(b0),
                        static_cast<int>(base.ld()), queries.row(q), 1, 0.0f, scores.row(q - q0),
                        1);
          }
          return;
        }
        matmul(queries.slice_rows(q0, q1), base.slice_rows(b0, b1), scores, false, true);
      });
}

TopK exact_top_k_int8(const Tensor& queries, std::span<const int8_t> codes,
                      std::span<const float> scales, int64_t k, const uint8_t* removed,
                      bool any_order) {
  const int64_t d = queries.cols();
  TESSERA_CHECK(queries.ndim() == 2, "int8 search needs 2-d queries, got {}",
                queries.shape_string());
  TESSERA_CHECK(std::ssize(scales) == d, "queries have {} dims, the int8 scales {}", d,
                scales.size());
  TESSERA_CHECK(d >= 1 && std::ssize(codes) % d == 0, "{} int8 code bytes are not rows of {} dims",
                codes.size(), d);
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  return blocked_top_k(
      queries, std::ssize(codes) / d, k, removed, any_order,
      [&](int64_t q0, int64_t q1, int64_t b0, int64_t b1, Tensor& scores, Tensor& tile) {
        if (!tile.defined()) tile = Tensor::empty({kMaxBaseBlock, d});
        Tensor rows = tile.slice_rows(0, b1 - b0);
        for (int64_t i = b0; i < b1; ++i) {
          const int8_t* code = codes.data() + i * d;
          float* out = rows.row(i - b0);
          for (int64_t c = 0; c < d; ++c) {
            out[c] = static_cast<float>(code[c]) * scales[static_cast<size_t>(c)];
          }
        }
        matmul(queries.slice_rows(q0, q1), rows, scores, false, true);
      });
}

TopK quantized_top_k_int8(const Tensor& queries, const index_detail::Int8Blocks& blocks,
                          std::span<const float> scales, int64_t k, const uint8_t* removed,
                          bool any_order) {
  TESSERA_CHECK(queries.ndim() == 2 && queries.cols() == std::ssize(scales) &&
                    4 * blocks.groups() == (queries.cols() + 3) / 4 * 4,
                "int8 search: queries {} for {} scales and codes of {} dim groups",
                queries.shape_string(), scales.size(), blocks.groups());
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  const index_detail::Int8Queries quantized = index_detail::quantize_queries(queries, scales);
  const index_detail::Int8ScoresFn kernel = index_detail::int8_scores_kernel();
  return blocked_top_k(
      queries, blocks.rows(), k, removed, any_order,
      [&](int64_t q0, int64_t q1, int64_t b0, int64_t b1, Tensor& scores, Tensor&) {
        kernel(quantized, q0, q1 - q0, blocks, b0 / kRowAlign, b1 - b0, scores.data(), scores.ld());
      });
}

std::string_view int8_scan_kernel() { return index_detail::int8_kernel_name(); }

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
