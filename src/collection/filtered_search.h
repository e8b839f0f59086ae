// Filtered vector search that returns k results whenever k allowed vectors exist, instead of
// filtering an index's k best afterwards (which can leave fewer, or none):
//   - few allowed rows (at most kExactRows, or an eighth of the index): every allowed row is
//     scored exactly with Index::score, and the k best kept;
//   - many: the index is asked for k * (size / allowed) * 1.5 results, filtered, and asked again
//     for four times as many while a query has fewer than k; once a request covers the whole
//     index, a query still short (an approximate index's walk missed some) is scored exactly.
// Results are in the index's row ids, best first, ties to the lower id, padded with -1.
#pragma once

#include <cstdint>
#include <span>

#include "tessera/core/tensor.h"
#include "tessera/index/index.h"

namespace tessera::collection_detail {

inline constexpr int64_t kExactRows = 4096;

// allowed: one byte per row id (index.num_added()), nonzero for rows a result may be;
// num_allowed of them (removed rows are never allowed).
TopK filtered_search(const Index& index, const Tensor& queries, int64_t k,
                     const SearchParams& params, std::span<const uint8_t> allowed,
                     int64_t num_allowed);

// The k best of the given rows for each query, scored exactly (Index::score).
TopK score_rows(const Index& index, const Tensor& queries, std::span<const int64_t> rows,
                int64_t k);

}  // namespace tessera::collection_detail
