// score_id_rows and score_ids: Index::score for the kinds that keep every vector (flat, int8,
// binary, HNSW).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/index/flat_index.h"

namespace tessera::index_detail {

// As score_ids, for a kernel that scores a query's rows together: score_rows(q, rows, n, out)
// writes the scores of query q against the n ids at rows (valid, not removed, in listed order).
// Usually every id is (any_removed false, none -1): the query's ids then go to it as they are;
// otherwise the valid ones are gathered first. score_rows is called from several threads.
template <typename IsRemoved, typename ScoreRows>
void score_id_rows(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
                   std::span<float> scores, int64_t num_added, bool any_removed,
                   const IsRemoved& is_removed, const ScoreRows& score_rows) {
  check_score_args(queries, ids, ids_per_query, scores);
  parallel_for(
      queries.rows(),
      [&](int64_t begin, int64_t end, int) {
        std::vector<int64_t> rows, slots;
        std::vector<float> found;
        for (int64_t q = begin; q < end; ++q) {
          const int64_t* listed = ids.data() + q * ids_per_query;
          float* out = scores.data() + q * ids_per_query;
          int64_t lowest = 0, highest = 0;
          for (int64_t j = 0; j < ids_per_query; ++j) {
            lowest = std::min(lowest, listed[j]);
            highest = std::max(highest, listed[j]);
          }
          if (lowest >= 0 && highest < num_added && !any_removed) {
            score_rows(q, listed, ids_per_query, out);
            continue;
          }
          rows.clear();
          slots.clear();
          for (int64_t j = 0; j < ids_per_query; ++j) {
            const int64_t id = listed[j];
            TESSERA_CHECK(id >= -1 && id < num_added, "id {} is not in the index ({} added)", id,
                          num_added);
            if (id >= 0 && !is_removed(id)) {
              rows.push_back(id);
              slots.push_back(j);
            } else {
              out[j] = -std::numeric_limits<float>::infinity();
            }
          }
          found.resize(rows.size());
          score_rows(q, rows.data(), std::ssize(rows), found.data());
          for (size_t i = 0; i < rows.size(); ++i) out[slots[i]] = found[i];
        }
      },
      8);
}

// How many ids ahead of the one scored prefetch(id) is called: enough to hide a miss to L3 or
// memory behind the scoring of the ids before it.
constexpr int64_t kPrefetchAhead = 2;

// Never prefetches.
struct NoPrefetch {
  void operator()(int64_t) const {}
};

// Scores ids_per_query ids per query with score_of(query, id); -1 and removed ids (is_removed)
// get -infinity; an id outside [-1, num_added) is an Error. prefetch(id) may start loading what
// score_of will read for a later (valid) id.
template <typename IsRemoved, typename ScoreOf, typename Prefetch = NoPrefetch>
void score_ids(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
               std::span<float> scores, int64_t num_added, const IsRemoved& is_removed,
               const ScoreOf& score_of, const Prefetch& prefetch = {}) {
  score_id_rows(queries, ids, ids_per_query, scores, num_added, /*any_removed=*/true, is_removed,
                [&](int64_t q, const int64_t* rows, int64_t n, float* out) {
                  for (int64_t j = 0; j < std::min(kPrefetchAhead, n); ++j) prefetch(rows[j]);
                  for (int64_t j = 0; j < n; ++j) {
                    if (j + kPrefetchAhead < n) prefetch(rows[j + kPrefetchAhead]);
                    out[j] = score_of(q, rows[j]);
                  }
                });
}

}  // namespace tessera::index_detail
