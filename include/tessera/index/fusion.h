// Hybrid search: fusing two ranked result lists over the same ids (e.g. BM25 and dense).
//
//   rrf     reciprocal-rank fusion (Cormack et al., 2009): score(d) = sum over lists holding d of
//           1 / (rrf_k + rank), rank counted from 1; scores are ignored, only ranks count.
//   convex  normalized-score convex combination (Bruch et al., 2023): each list's scores are
//           min-max normalized per query over the results it returned (best 1, worst 0; a list
//           whose results all tie scores 1), then score(d) = w * a(d) + (1 - w) * b(d), a
//           document missing from a list counting 0 there.
// Ties go to the lower id. Ids -1 (padding) are skipped.
#pragma once

#include <cstdint>
#include <string>

#include "tessera/core/enum_names.h"
#include "tessera/index/exact_search.h"

namespace tessera {

enum class FusionMethod { kRrf, kConvex };
inline constexpr EnumName<FusionMethod> kFusionMethodNames[] = {{FusionMethod::kRrf, "rrf"},
                                                                {FusionMethod::kConvex, "convex"}};
template <>
inline constexpr EnumNames<FusionMethod> enum_names<FusionMethod> = kFusionMethodNames;

struct FusionOptions {
  FusionMethod method = FusionMethod::kConvex;
  double rrf_k = 60;    // rrf: the rank offset (60 in the paper)
  double weight = 0.2;  // convex: the first list's weight w in [0, 1] (bm25's, in hybrid search)
  // Hybrid search asks each list for max(k, depth) results before fusing the k best, so that a
  // document ranked low by one list can still win (hybrid_retriever.h).
  int64_t depth = 100;
};

// The k best per query of the fusion of a and b (equal num_queries; any depths).
TopK fuse(const TopK& a, const TopK& b, int64_t k, const FusionOptions& options = {});

}  // namespace tessera
