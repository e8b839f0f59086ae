#include "tessera/eval/search_benchmark.h"

#include <algorithm>
#include <memory>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"
#include "tessera/core/stopwatch.h"
#include "tessera/index/exact_search.h"

namespace tessera {

namespace {

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

// The queries searched in calls of `batch` rows (0: one call of all), the calls spread over the
// threads; each runs serially in its thread (nested parallel_for does).
TopK search_in_batches(const Index& index, const Tensor& queries, int64_t k,
                       const SearchParams& params, int64_t batch) {
  if (batch <= 0 || batch >= queries.rows()) return index.search(queries, k, params);
  const int64_t n = queries.rows();
  TopK all;
  all.num_queries = n;
  all.k = k;
  all.ids.resize(static_cast<size_t>(n * k));
  all.scores.resize(static_cast<size_t>(n * k));
  parallel_for_dynamic(
      (n + batch - 1) / batch,
      [&](int64_t first, int64_t last, int) {
        for (int64_t call = first; call < last; ++call) {
          const int64_t q0 = call * batch;
          const TopK found =
              index.search(queries.slice_rows(q0, std::min(n, q0 + batch)), k, params);
          std::copy(found.ids.begin(), found.ids.end(), all.ids.begin() + q0 * k);
          std::copy(found.scores.begin(), found.scores.end(), all.scores.begin() + q0 * k);
        }
      },
      1);
  return all;
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
  TESSERA_CHECK(options.batch >= 0, "the batch must be >= 0 (0: all queries), got {}",
                options.batch);
  TESSERA_CHECK(options.target_recall >= 0 && options.target_recall <= 1,
                "the target recall must be in [0, 1], got {}", options.target_recall);
  const ResolvedIndexSpec spec =
      resolve(parse_index_spec(options.method), base.cols(), options.defaults);
  // The search effort an approximate kind sweeps: a funnel's shortlist, an HNSW graph's ef.
  const bool shortlisted = spec.second.has_value();
  const bool graph = !shortlisted && spec.first.kind == IndexKind::kHnsw;
  const bool approximate = shortlisted || graph;
  SearchBenchmarkResult result;
  result.method = spec.name();
  result.base_size = base.rows();
  result.num_queries = queries.rows();
  result.dim = base.cols();
  result.k = options.k;

  Stopwatch watch;
  const TopK exact = exact_top_k(queries, base, options.k);
  result.exact_seconds = watch.seconds();

  // The vectors are taken as a model's unit vectors: a spec of fewer dims searches their prefixes
  // renormalized, as a funnel's shortlist does.
  std::unique_ptr<Index> index = make_index(spec, /*normalized=*/true);
  const Tensor vectors = spec.dim() == base.cols() ? base : l2_normalized_prefix(base, spec.dim());
  const Tensor query_vectors =
      spec.dim() == queries.cols() ? queries : l2_normalized_prefix(queries, spec.dim());
  watch.restart();
  index->add(vectors);
  result.build_seconds = watch.seconds();
  result.bytes_per_vector = index->bytes_per_vector();
  result.index_bytes = index->memory_bytes();

  auto measure = [&](int64_t effort) {
    SearchParams params;
    if (graph) params.ef_search = effort;
    if (shortlisted) params.shortlist = effort;
    SearchPoint point;
    point.effort = effort;
    double best = 0;
    for (int64_t r = 0; r < options.repeat; ++r) {
      watch.restart();
      const TopK found = search_in_batches(*index, query_vectors, options.k, params, options.batch);
      const double seconds = watch.seconds();
      if (r == 0) point.recall = recall(found, exact);
      best = r == 0 ? seconds : std::min(best, seconds);
    }
    point.queries_per_second = best > 0 ? static_cast<double>(queries.rows()) / best : 0.0;
    result.sweep.push_back(point);
    return point;
  };

  const int64_t default_effort = graph         ? spec.first.hnsw.ef_search
                                 : shortlisted ? spec.shortlist
                                               : 0;
  TESSERA_CHECK(approximate || options.efforts.empty(),
                "search efforts are for hnsw and funnels (shortlists), not {}", result.method);
  if (!approximate || (options.target_recall <= 0 && options.efforts.empty())) {
    result.chosen = measure(default_effort);
    result.reached_target = result.chosen.recall >= options.target_recall;
    return result;
  }
  const int64_t limit =
      graph ? std::max<int64_t>(4096, options.k) : std::max(base.rows(), options.k);
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
