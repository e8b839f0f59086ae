// score_ids: Index::score for the kinds that keep every vector (flat, int8, binary, HNSW).
#pragma once

#include <cstdint>
#include <limits>
#include <span>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/index/flat_index.h"

namespace tessera::index_detail {

// Scores ids_per_query ids per query with score_of(query, id); -1 and removed ids (is_removed)
// get -infinity; an id outside [-1, num_added) is an Error.
template <typename IsRemoved, typename ScoreOf>
void score_ids(const Tensor& queries, std::span<const int64_t> ids, int64_t ids_per_query,
               std::span<float> scores, int64_t num_added, const IsRemoved& is_removed,
               const ScoreOf& score_of) {
  check_score_args(queries, ids, ids_per_query, scores);
  parallel_for(
      queries.rows(),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t q = begin; q < end; ++q) {
          for (int64_t j = 0; j < ids_per_query; ++j) {
            const auto slot = static_cast<size_t>(q * ids_per_query + j);
            const int64_t id = ids[slot];
            TESSERA_CHECK(id >= -1 && id < num_added, "id {} is not in the index ({} added)", id,
                          num_added);
            scores[slot] = id < 0 || is_removed(id) ? -std::numeric_limits<float>::infinity()
                                                    : score_of(q, id);
          }
        }
      },
      8);
}

}  // namespace tessera::index_detail
