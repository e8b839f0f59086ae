#include "tessera/index/fusion.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

// Adds one query's list into `fused` (id -> fused score) with each entry's contribution.
template <typename Contribution>
void accumulate(const TopK& list, int64_t q, const Contribution& contribution,
                std::unordered_map<int64_t, double>& fused) {
  const std::span<const int64_t> ids = list.ids_of(q);
  for (size_t j = 0; j < ids.size(); ++j) {
    if (ids[j] >= 0) fused[ids[j]] += contribution(j);
  }
}

// Min-max normalization of one query's scores: (score - min) / (max - min) over valid entries.
struct MinMax {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  MinMax(const TopK& list, int64_t q) {
    const std::span<const int64_t> ids = list.ids_of(q);
    const std::span<const float> scores = list.scores_of(q);
    for (size_t j = 0; j < ids.size(); ++j) {
      if (ids[j] < 0) continue;
      min = std::min(min, static_cast<double>(scores[j]));
      max = std::max(max, static_cast<double>(scores[j]));
    }
  }
  double operator()(float score) const {
    return max > min ? (static_cast<double>(score) - min) / (max - min) : 1.0;
  }
};

}  // namespace

TopK fuse(const TopK& a, const TopK& b, int64_t k, const FusionOptions& options) {
  TESSERA_CHECK(a.num_queries == b.num_queries, "fusing results of {} and {} queries",
                a.num_queries, b.num_queries);
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  TESSERA_CHECK(options.rrf_k >= 0, "rrf_k must be >= 0, got {}", options.rrf_k);
  TESSERA_CHECK(options.weight >= 0 && options.weight <= 1,
                "the fusion weight must be in [0, 1], "
                "got {}",
                options.weight);
  const int64_t nq = a.num_queries;
  TopK result;
  result.num_queries = nq;
  result.k = k;
  result.ids.assign(static_cast<size_t>(nq * k), -1);
  result.scores.assign(static_cast<size_t>(nq * k), -std::numeric_limits<float>::infinity());
  parallel_for(
      nq,
      [&](int64_t begin, int64_t end, int) {
        std::unordered_map<int64_t, double> fused;
        std::vector<std::pair<double, int64_t>> ranked;
        for (int64_t q = begin; q < end; ++q) {
          fused.clear();
          if (options.method == FusionMethod::kRrf) {
            const auto rrf = [&](size_t j) {
              return 1.0 / (options.rrf_k + static_cast<double>(j + 1));
            };
            accumulate(a, q, rrf, fused);
            accumulate(b, q, rrf, fused);
          } else {
            const MinMax norm_a(a, q), norm_b(b, q);
            accumulate(
                a, q, [&](size_t j) { return options.weight * norm_a(a.scores_of(q)[j]); }, fused);
            accumulate(
                b, q, [&](size_t j) { return (1 - options.weight) * norm_b(b.scores_of(q)[j]); },
                fused);
          }
          ranked.clear();
          for (const auto& [id, score] : fused) ranked.emplace_back(score, id);
          const auto keep = static_cast<std::ptrdiff_t>(std::min<size_t>(k, ranked.size()));
          std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(),
                            [](const auto& x, const auto& y) {
                              return x.first > y.first ||
                                     (x.first == y.first && x.second < y.second);
                            });
          for (std::ptrdiff_t j = 0; j < keep; ++j) {
            result.ids[static_cast<size_t>(q * k + j)] = ranked[static_cast<size_t>(j)].second;
            result.scores[static_cast<size_t>(q * k + j)] =
                static_cast<float>(ranked[static_cast<size_t>(j)].first);
          }
        }
      },
      8);
  return result;
}

}  // namespace tessera
