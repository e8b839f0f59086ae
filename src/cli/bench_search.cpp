// `tessera bench search`: build seconds, queries/s, bytes per vector and recall@k of an index
// kind over .npy vectors, the same files the peers read (bench/flat_vs_faiss.sh,
// bench/search_vs_hnswlib.sh).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.h"
#include "options.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/core/vector_io.h"
#include "tessera/eval/search_benchmark.h"

namespace tessera::cli {

namespace {

Tensor read_float_vectors(const std::string& path) {
  NpyArray array = read_npy(path);
  TESSERA_CHECK(array.dtype == VectorDtype::kFloat32 && array.ndim == 2,
                "{}: expected a 2-d float32 array (rows = vectors)", path);
  return array.floats;
}

}  // namespace

void add_bench_search(CLI::App& bench) {
  struct Args {
    std::string base;
    std::string queries;
    SearchBenchmarkOptions options;
    int threads = 2;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand(
      "search",
      "Build an index over --base and search --queries: build s, queries/s, bytes/vector and "
      "recall@k against exact search; peers: bench/flat_vs_faiss.sh, bench/search_vs_hnswlib.sh");
  cmd->add_option("--base", args->base, "Base vectors, float32 .npy (rows = vectors)")->required();
  cmd->add_option("--queries", args->queries, "Query vectors, float32 .npy")->required();
  SearchBenchmarkOptions& o = args->options;
  cmd->add_option("-k", o.k, "Neighbours per query")->check(positive())->capture_default_str();
  cmd->add_option("--method", o.method,
                  "Index spec: flat, int8, binary, hnsw[:M16:efc200:ef64], funnel[@64>256][:int8], "
                  "binary+rescore[:int8], A>R (README: index specs)")
      ->check(index_spec_check())
      ->capture_default_str();
  add_threads_option(*cmd, args->threads);
  cmd->add_option("--repeat", o.repeat, "Timed search runs (the fastest counts)")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--batch", o.batch,
                  "Queries per search call: 0 all in one (batched kernels), 1 one at a time as a "
                  "server's requests come, the calls spread over the threads")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  add_index_defaults(*cmd, o.defaults);
  cmd->add_option("--efforts", o.efforts,
                  "hnsw and funnels: search efforts to measure, comma-separated (ef_search or "
                  "shortlist)")
      ->delimiter(',')
      ->check(positive());
  cmd->add_option("--target-recall", o.target_recall,
                  "hnsw and funnels: the smallest search effort reaching this recall@k")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  cmd->callback([args] {
    use_threads(args->threads);
    const Tensor base = read_float_vectors(args->base);
    const Tensor queries = read_float_vectors(args->queries);
    const SearchBenchmarkResult r = run_search_benchmark(base, queries, args->options);
    if (args->json) {
      std::string sweep;
      for (const SearchPoint& p : r.sweep) {
        sweep += fmt::format("{}{{\"effort\": {}, \"recall\": {:.4f}, \"qps\": {:.1f}}}",
                             sweep.empty() ? "" : ", ", p.effort, p.recall, p.queries_per_second);
      }
      fmt::print(
          "{{\"method\": \"{}\", \"base\": {}, \"queries\": {}, \"dim\": {}, \"k\": {}, "
          "\"threads\": {}, \"batch\": {}, \"build_seconds\": {:.4f}, \"bytes_per_vector\": "
          "{:.1f}, "
          "\"index_bytes\": {}, \"effort\": {}, \"recall\": {:.4f}, \"qps\": {:.1f}, "
          "\"reached_target\": {}, \"sweep\": [{}]}}\n",
          r.method, r.base_size, r.num_queries, r.dim, r.k, num_threads(), args->options.batch,
          r.build_seconds, r.bytes_per_vector, r.index_bytes, r.chosen.effort, r.chosen.recall,
          r.chosen.queries_per_second, r.reached_target, sweep);
      return;
    }
    fmt::print("{} over {} x {} vectors, {} queries ({} per call), k {}, {} threads\n", r.method,
               r.base_size, r.dim, r.num_queries,
               args->options.batch == 0 ? std::string("all") : std::to_string(args->options.batch),
               r.k, num_threads());
    fmt::print("build {:.3f} s, {:.1f} bytes/vector, index {:.1f} MB\n", r.build_seconds,
               r.bytes_per_vector, static_cast<double>(r.index_bytes) / 1e6);
    for (const SearchPoint& p : r.sweep) {
      fmt::print("  effort {:>5}: recall@{} {:.4f}, {:.0f} queries/s\n", p.effort, r.k, p.recall,
                 p.queries_per_second);
    }
    if (args->options.target_recall > 0 && !r.reached_target) {
      fmt::print("target recall {} not reached\n", args->options.target_recall);
    }
  });
}

}  // namespace tessera::cli
