#include "tessera/eval/search_benchmark.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/index/exact_search.h"
#include "tessera/index/flat_index.h"
#include "tessera/index/funnel_index.h"

namespace tessera {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<Index> make_index(const SearchBenchmarkOptions& options, int64_t dim) {
  FunnelOptions funnel;
  funnel.shortlist = options.shortlist;
  if (options.method == "flat") return std::make_unique<FlatIndex>(dim);
  if (options.method == "int8") return std::make_unique<Int8Index>(dim);
  if (options.method == "hnsw") return std::make_unique<HnswIndex>(dim, options.hnsw);
  if (options.method == "binary") {
    return std::make_unique<FunnelIndex>(std::make_unique<BinaryIndex>(dim),
                                         std::make_unique<FlatIndex>(dim), funnel);
  }
  if (options.method == "funnel") {
    TESSERA_CHECK(options.funnel_dim >= 1 && options.funnel_dim < dim,
                  "the funnel's shortlist dims must be in [1, {}), got {}", dim,
                  options.funnel_dim);
    return std::make_unique<FunnelIndex>(std::make_unique<Int8Index>(options.funnel_dim),
                                         std::make_unique<FlatIndex>(dim), funnel);
  }
  TESSERA_FAIL("unknown search method '{}' (flat, int8, binary, hnsw, funnel)", options.method);
}

double recall(const TopK& found, const TopK& exact) {
  int64_t hits = 0, total = 0;
  std::unordered_set<int64_t> returned;
  for (int64_t q = 0; q < exact.num_queries; ++q) {
    returned.clear();
    for (const int64_t id : found.ids_of(q)) returned.insert(id);
    for (const int64_t id : exact.ids_of(q)) {
      if (id < 0) continue;
      ++total;
      hits += returned.count(id);
    }
  }
  return total == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(total);
}

// Efforts tried for a target recall: from k up, roughly x1.5 a step.
std::vector<int64_t> effort_ladder(int64_t k, int64_t limit) {
  std::vector<int64_t> efforts;
  for (double effort = static_cast<double>(k); effort < static_cast<double>(limit); effort *= 1.5) {
    const auto value = static_cast<int64_t>(effort);
    if (efforts.empty() || value > efforts.back()) efforts.push_back(value);
  }
  efforts.push_back(limit);
  return efforts;
}

}  // namespace

SearchBenchmarkResult run_search_benchmark(const Tensor& base, const Tensor& queries,
                                           const SearchBenchmarkOptions& options) {
  TESSERA_CHECK(base.ndim() == 2 && queries.ndim() == 2 && base.cols() == queries.cols(),
                "base and queries need equal dims, got {} and {}", base.shape_string(),
                queries.shape_string());
  TESSERA_CHECK(base.rows() >= 1 && queries.rows() >= 1, "base and queries must not be empty");
  TESSERA_CHECK(options.k >= 1 && options.repeat >= 1, "k and repeat must be >= 1");
  TESSERA_CHECK(options.target_recall >= 0 && options.target_recall <= 1,
                "the target recall must be in [0, 1], got {}", options.target_recall);
  SearchBenchmarkResult result;
  result.method = options.method;
  result.base_size = base.rows();
  result.num_queries = queries.rows();
  result.dim = base.cols();
  result.k = options.k;

  Clock::time_point start = Clock::now();
  const TopK exact = exact_top_k(queries, base, options.k);
  result.exact_seconds = seconds_since(start);

  std::unique_ptr<Index> index = make_index(options, base.cols());
  start = Clock::now();
  index->add(base);
  result.build_seconds = seconds_since(start);
  result.bytes_per_vector = index->bytes_per_vector();
  result.index_bytes = index->memory_bytes();

  auto measure = [&](int64_t effort) {
    SearchParams params;
    if (options.method == "hnsw") params.ef_search = effort;
    if (options.method == "binary" || options.method == "funnel") params.shortlist = effort;
    SearchPoint point;
    point.effort = effort;
    double best = 0;
    for (int64_t r = 0; r < options.repeat; ++r) {
      start = Clock::now();
      const TopK found = index->search(queries, options.k, params);
      const double seconds = seconds_since(start);
      if (r == 0) point.recall = recall(found, exact);
      best = r == 0 ? seconds : std::min(best, seconds);
    }
    point.queries_per_second = best > 0 ? static_cast<double>(queries.rows()) / best : 0.0;
    result.sweep.push_back(point);
    return point;
  };

  const bool approximate =
      options.method == "hnsw" || options.method == "binary" || options.method == "funnel";
  const int64_t default_effort = options.method == "hnsw" ? options.hnsw.ef_search
                                 : approximate            ? options.shortlist
                                                          : 0;
  TESSERA_CHECK(approximate || options.efforts.empty(),
                "search efforts are for hnsw, funnel and binary, not {}", options.method);
  if (!approximate || (options.target_recall <= 0 && options.efforts.empty())) {
    result.chosen = measure(default_effort);
    result.reached_target = result.chosen.recall >= options.target_recall;
    return result;
  }
  const int64_t limit = options.method == "hnsw" ? std::max<int64_t>(4096, options.k)
                                                 : std::max(base.rows(), options.k);
  const std::vector<int64_t> efforts =
      options.efforts.empty() ? effort_ladder(options.k, limit) : options.efforts;
  result.reached_target = false;
  for (const int64_t effort : efforts) {
    TESSERA_CHECK(effort >= 1, "search efforts must be >= 1, got {}", effort);
    const SearchPoint point = measure(effort);
    if (!result.reached_target) result.chosen = point;
    if (point.recall >= options.target_recall) {
      result.reached_target = true;
      if (options.target_recall > 0) break;
    }
  }
  return result;
}

}  // namespace tessera
