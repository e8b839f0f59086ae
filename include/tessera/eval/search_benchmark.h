// SearchBenchmark: speed and recall of an index kind on given vectors, what `tessera bench
// search` runs beside FAISS and hnswlib on the same .npy files (bench/flat_vs_faiss.sh,
// bench/search_vs_hnswlib.sh).
//
// The base is added to a fresh index (timed: build seconds); all queries are searched in one call
// (timed, best of `repeat` runs: queries/s); recall@k is the share of each query's exact top k
// (exact_top_k over the whole vectors given, inner product) that the index returns. For an
// approximate kind with a target recall, search efforts (HNSW ef_search, a funnel's shortlist)
// are tried from small to large and the first that reaches the target is reported, with the whole
// sweep. A spec of fewer dims than the vectors (flat@64) indexes and searches their prefixes,
// renormalized (the vectors are taken as a model's unit vectors): its recall says what the prefix
// loses against the whole vectors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/core/tensor.h"
#include "tessera/index/index_spec.h"

namespace tessera {

struct SearchBenchmarkOptions {
  std::string method = "flat";  // an index spec (index_spec.h)
  int64_t k = 10;
  int64_t repeat = 3;  // search runs timed; the fastest counts
  // Queries per search call: 0, all in one call (the index's batched kernels); n, calls of n
  // queries each, spread over the threads, one call per thread at a time (a server's requests).
  int64_t batch = 0;
  IndexDefaults defaults;    // what the spec leaves open (shortlist, funnel dims, HNSW)
  double target_recall = 0;  // > 0: sweep the search effort until recall@k reaches it
  // Approximate kinds: the search efforts to measure, in order (empty: the default effort, or
  // with a target a ladder from k up, x1.5 a step); with a target, the first reaching it stops.
  std::vector<int64_t> efforts;
};

struct SearchPoint {
  int64_t effort = 0;  // ef_search or shortlist (0 for exact kinds)
  double recall = 0;   // recall@k against exact search
  double queries_per_second = 0;
};

struct SearchBenchmarkResult {
  std::string method;  // the spec's canonical name
  int64_t base_size = 0;
  int64_t num_queries = 0;
  int64_t dim = 0;
  int64_t k = 0;
  double build_seconds = 0;
  double bytes_per_vector = 0;
  int64_t index_bytes = 0;
  SearchPoint chosen;              // the point reported (the target's, or the default effort)
  std::vector<SearchPoint> sweep;  // every effort tried (one point without a target)
  bool reached_target = true;
  double exact_seconds = 0;  // computing the ground truth (exact_top_k, one call)
};

// base: n x d, queries: m x d (float32).
SearchBenchmarkResult run_search_benchmark(const Tensor& base, const Tensor& queries,
                                           const SearchBenchmarkOptions& options);

}  // namespace tessera
