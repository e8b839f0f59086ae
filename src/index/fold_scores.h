// fold_scores: the selection half of every flat scan (exact_search.cpp), after the GEMM or the
// int8 kernel has scored a block of base rows for one query.
//
// Two builds, picked once at run time: AVX-512 (compress the scores above the threshold and their
// row offsets into a buffer, 16 at a time, without a branch), and SSE2 (a mask of 16 compares,
// whose set bits are visited). TESSERA_SIMD=generic or avx2 keeps it off AVX-512.
#pragma once

#include <cstdint>

#include "top_k_collector.h"

namespace tessera::index_detail {

using FloatCollector = TopKCollector<float, HigherScoreFirst>;

// Adds the scores of base rows [b0, b0 + count) above the collector's threshold (row[j] for row
// b0 + j) to it, ids ascending; rows flagged in removed (null: none) are skipped.
void fold_scores(const float* row, int64_t b0, int64_t count, const uint8_t* removed,
                 FloatCollector& collector);

// The build in use: "avx512" or "sse2".
const char* fold_kernel_name();

}  // namespace tessera::index_detail
