// `tessera eval beir DIR [--model M]`: retrieval quality and cost on a BEIR dataset, one row per
// method (BM25; with a model, dense at each Matryoshka dim, int8, binary + rescoring, the
// Matryoshka funnel, HNSW and hybrid fusion), with TREC runs, metrics.json and an HTML report on
// request. Without --model, BM25 only.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "hnsw_options.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/data/beir.h"
#include "tessera/eval/metrics_json.h"
#include "tessera/eval/retrieval_benchmark.h"
#include "tessera/model/model.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;

// "data/beir/scifact/" -> "scifact".
std::string dataset_name(const std::string& directory) {
  fs::path path(directory);
  if (path.filename().empty()) path = path.parent_path();
  const std::string name = path.filename().string();
  return name.empty() ? directory : name;
}

std::vector<RetrievalMethod> parse_methods(const std::vector<std::string>& names) {
  std::vector<RetrievalMethod> methods;
  for (const std::string& name : names) {
    const RetrievalMethod method = parse_retrieval_method(name);
    TESSERA_CHECK(std::find(methods.begin(), methods.end(), method) == methods.end(),
                  "method '{}' is given twice", name);
    methods.push_back(method);
  }
  return methods;
}

void print_table(const BenchmarkResult& result, const RetrievalOptions& options) {
  fmt::print("{:<24}", "method");
  for (const IrMetric& metric : options.metrics) fmt::print(" {:>10}", metric.name());
  fmt::print(" {:>10} {:>8} {:>8} {:>9}\n", "queries/s", "p50 ms", "p99 ms", "bytes/vec");
  for (const MethodResult& method : result.methods) {
    fmt::print("{:<24}", method.name);
    for (const double mean : method.evaluation.means) fmt::print(" {:>10.4f}", mean);
    fmt::print(" {:>10.0f} {:>8.3f} {:>8.3f} {:>9.0f}\n", method.queries_per_second, method.p50_ms,
               method.p99_ms, method.bytes_per_vector);
  }
}

void write_outputs(const std::string& out_dir, const std::string& dataset, const std::string& split,
                   const std::string& model_path, const BenchmarkResult& result) {
  std::error_code error;
  fs::create_directories(out_dir, error);
  TESSERA_CHECK(!error, "cannot create output directory {}: {}", out_dir, error.message());
  for (const MethodResult& method : result.methods) {
    write_trec_run((fs::path(out_dir) / (method.name + ".trec")).string(), method.run,
                   "tessera:" + method.name);
  }
  const nlohmann::ordered_json metrics = {
      {"dataset", dataset},
      {"split", split},
      {"queries", result.num_queries},
      {"documents", result.num_documents},
      {"model", model_path.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(model_path)},
      {"quality_metric", result.methods.front().evaluation.metrics.front().name()},
      {"embedding_seconds",
       {{"documents", result.document_seconds}, {"queries", result.query_seconds}}},
      {"methods", methods_json(result)}};
  write_metrics_and_report(out_dir, metrics);
}

void add_eval_beir(CLI::App& eval) {
  struct Args {
    std::string directory;
    std::string model;
    std::string split = "test";
    std::vector<int64_t> dims;
    std::vector<std::string> methods;  // default: bm25, and every vector method with a model
    int64_t depth = 100;
    std::string out;
    int threads = 0;
    RetrievalOptions retrieval;
    std::string funnel_shortlist = "int8";
    std::string rescore = "float";
    std::string fusion = "convex";
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval.add_subcommand(
      "beir",
      "Retrieval quality on a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv): "
      "nDCG@10, Recall@100 and MRR@10 per method, with trec_eval semantics. Without --model, "
      "BM25 only");
  cmd->add_option("dir", args->directory, "BEIR dataset directory")->required();
  cmd->add_option("--model", args->model,
                  "Model file (from tessera train); needed by the dense and binary methods");
  cmd->add_option("--split", args->split, "Qrels split to evaluate")->capture_default_str();
  cmd->add_option("--dims", args->dims,
                  "Dense dims (Matryoshka prefixes) to search, comma-separated (default: the "
                  "model's prefixes)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  cmd->add_option("--methods", args->methods,
                  "Methods, comma-separated: bm25 (Lucene's BM25, k1 0.9, b 0.4, English "
                  "stemming and stop words; no model), dense (exact search at each dim), int8 "
                  "(int8 codes of the full vectors), binary (sign bits, Hamming shortlist "
                  "rescored by the full vectors), funnel (shortlist at --funnel-dim, rescored at "
                  "full dim), hnsw (graph, approximate), hybrid (bm25 fused with dense at full "
                  "dim). Default: all with --model, bm25 without")
      ->delimiter(',')
      ->check(CLI::IsMember({"bm25", "dense", "int8", "binary", "funnel", "hnsw", "hybrid"}));
  cmd->add_option("--depth", args->depth,
                  "Dense results kept per query (the run depth; BEIR's run files use 1000)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--out", args->out,
                  "Directory for metrics.json and one TREC run per method (METHOD.trec)");
  RetrievalOptions& retrieval = args->retrieval;
  cmd->add_option("--binary-dim", retrieval.binary_dim,
                  "binary: sign bits of this many leading dims shortlist (default: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--binary-candidates", retrieval.binary_candidates,
                  "binary: Hamming shortlist rescored per query")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI::Option* funnel_dim =
      cmd->add_option("--funnel-dim", retrieval.funnel_dim,
                      "funnel: dims of the shortlist search (default 64, or a quarter of a "
                      "model of 64 dims or fewer)")
          ->check(CLI::PositiveNumber);
  cmd->add_option("--funnel-candidates", retrieval.funnel_candidates,
                  "funnel: shortlist rescored per query at full dim")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--funnel-shortlist", args->funnel_shortlist,
                  "funnel: the shortlist index, flat (exact fp32), int8 (exact over int8 codes, "
                  "an integer scan) or hnsw")
      ->check(CLI::IsMember({"flat", "int8", "hnsw"}))
      ->capture_default_str();
  add_hnsw_options(*cmd, retrieval.hnsw);
  cmd->add_option("--fusion", args->fusion,
                  "hybrid: rrf (reciprocal ranks) or convex (min-max normalized scores)")
      ->check(CLI::IsMember({"rrf", "convex"}))
      ->capture_default_str();
  cmd->add_option("--fusion-weight", retrieval.fusion.weight,
                  "hybrid (convex): the weight of bm25's scores; dense gets 1 - weight")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--rrf-k", retrieval.fusion.rrf_k, "hybrid (rrf): the rank offset")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--latency-queries", retrieval.latency_queries,
                  "Queries searched one at a time for the p50/p99 latencies (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--rescore", args->rescore,
                  "binary, funnel: rescore the shortlist with the float vectors or with int8 codes "
                  "of them (a quarter of the bytes)")
      ->check(CLI::IsMember({"float", "int8"}))
      ->capture_default_str();
  cmd->add_option("--batch-seconds", retrieval.batch_seconds,
                  "Each method's batch of all queries is searched again until this much time is "
                  "spent; the fastest search gives queries/s (0: one search)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, funnel_dim] {
    if (args->threads > 0) set_num_threads(args->threads);
    RetrievalOptions options = args->retrieval;
    options.funnel_shortlist = args->funnel_shortlist == "hnsw"   ? FunnelShortlist::kHnsw
                               : args->funnel_shortlist == "int8" ? FunnelShortlist::kInt8
                                                                  : FunnelShortlist::kFlat;
    options.rescorer = args->rescore == "int8" ? Rescorer::kInt8 : Rescorer::kFloat;
    options.fusion.method = parse_fusion_method(args->fusion);
    const bool have_model = !args->model.empty();
    std::vector<std::string> method_names = args->methods;
    if (method_names.empty()) {
      method_names = have_model ? std::vector<std::string>{"bm25",   "dense", "int8",  "binary",
                                                           "funnel", "hnsw",  "hybrid"}
                                : std::vector<std::string>{"bm25"};
    }
    options.methods = parse_methods(method_names);
    if (!have_model) {
      for (const std::string& name : method_names) {
        if (name != "bm25") {
          throw CLI::ValidationError("--methods", "method '" + name + "' needs --model");
        }
      }
      if (!args->dims.empty()) throw CLI::ValidationError("--dims", "--dims needs --model");
    }
    options.depth = args->depth;
    options.keep_runs = !args->out.empty();
    const std::unique_ptr<Model> model =
        have_model ? std::make_unique<Model>(Model::load(args->model)) : nullptr;
    if (model && funnel_dim->count() == 0 && options.funnel_dim >= model->dim()) {
      options.funnel_dim = std::max<int64_t>(1, model->dim() / 4);
    }
    const BeirDataset dataset = load_beir(args->directory, {args->split});
    const RetrievalBenchmark benchmark = RetrievalBenchmark::from_beir(dataset, args->split);
    TESSERA_CHECK(benchmark.num_queries() > 0,
                  "{}: no query of split '{}' has a relevant document to evaluate", args->directory,
                  args->split);
    const BenchmarkResult result =
        model ? benchmark.evaluate(*model, args->dims, options) : benchmark.evaluate(options);
    const std::string name = dataset_name(args->directory);
    if (model) {
      fmt::print(stderr,
                 "eval: {} {}: {} queries, {} documents (documents embedded in {:.2f} s, queries "
                 "in {:.2f} s)\n",
                 name, args->split, result.num_queries, result.num_documents,
                 result.document_seconds, result.query_seconds);
    } else {
      fmt::print(stderr, "eval: {} {}: {} queries, {} documents\n", name, args->split,
                 result.num_queries, result.num_documents);
    }
    for (const MethodResult& method : result.methods) {
      if (method.method == RetrievalMethod::kBm25) {
        fmt::print(stderr, "eval: bm25 index built in {:.2f} s\n", method.build_seconds);
      }
    }
    print_table(result, options);
    if (!args->out.empty()) {
      write_outputs(args->out, name, args->split, args->model, result);
      fmt::print(stderr, "eval: metrics.json, report.html and {} run files written to {}\n",
                 result.methods.size(), args->out);
    }
  });
}

}  // namespace

void add_eval_command(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Measure representations on benchmark tasks");
  eval->require_subcommand(1);
  add_eval_beir(*eval);
}

}  // namespace tessera::cli
