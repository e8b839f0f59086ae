// `tessera eval beir DIR [--model M]`: retrieval quality and cost on a BEIR dataset, one row per
// method (retriever specs: BM25; with a model, flat at each Matryoshka dim, int8, binary +
// rescoring, the Matryoshka funnel, HNSW and hybrid fusion by default), with TREC runs,
// metrics.json and an HTML report on request. Without --model, BM25 only.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "options.h"
#include "tessera/core/atomic_directory.h"
#include "tessera/core/check.h"
#include "tessera/data/beir.h"
#include "tessera/eval/metrics_json.h"
#include "tessera/eval/retrieval_benchmark.h"
#include "tessera/index/retriever_factory.h"
#include "tessera/model/model.h"

namespace tessera::cli {

void add_eval_sts(CLI::App& eval);    // eval_sts.cpp
void add_eval_words(CLI::App& eval);  // eval_words.cpp

namespace {

namespace fs = std::filesystem;

// "data/beir/scifact/" -> "scifact".
std::string dataset_name(const std::string& directory) {
  fs::path path(directory);
  if (path.filename().empty()) path = path.parent_path();
  const std::string name = path.filename().string();
  return name.empty() ? directory : name;
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

// The run files, metrics.json and report.html, into the report's temporary directory.
void write_outputs(const std::string& out_dir, const std::string& dataset, const std::string& split,
                   const std::string& model_path, const BenchmarkResult& result) {
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
    std::string methods;  // default: bm25, and every dense method with a model
    std::string out;
    int threads = 0;
    InvalidUtf8 on_invalid_utf8 = InvalidUtf8::kError;
    RetrievalOptions retrieval;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval.add_subcommand(
      "beir",
      "Retrieval quality on a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv): "
      "nDCG@10, Recall@100 and MRR@10 per method, with trec_eval semantics. Without --model, "
      "BM25 only");
  cmd->add_option("dir", args->directory, "BEIR dataset directory")->required();
  cmd->add_option("--model", args->model,
                  "Model file (from tessera train); needed by every method but bm25");
  cmd->add_option("--split", args->split, "Qrels split to evaluate")->capture_default_str();
  cmd->add_option("--dims", args->dims,
                  "Dims of flat search (Matryoshka prefixes), comma-separated (default: the "
                  "model's prefixes)")
      ->delimiter(',')
      ->check(positive());
  cmd->add_option("--methods", args->methods,
                  "Retriever specs, comma-separated: bm25 (Lucene's BM25, k1 0.9, b 0.4, English "
                  "stemming and stop words; no model), flat (exact search at each of --dims), "
                  "int8, binary, binary+rescore[:int8], funnel[@64>256][:int8], "
                  "hnsw[:M16:efc200:ef64], A>R (A shortlists, R rescores), hybrid (bm25 fused "
                  "with flat) or hybrid(bm25+SPEC). Default: bm25,flat,int8,binary+rescore,"
                  "funnel,hnsw,hybrid with --model, bm25 without")
      ->check(retriever_spec_list_check());
  cmd->add_option("--depth", args->retrieval.depth,
                  "Results kept per query (the run depth; BEIR's run files use 1000)")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--out", args->out,
                  "Directory for metrics.json, report.html and one TREC run per method "
                  "(METHOD.trec)");
  RetrievalOptions& retrieval = args->retrieval;
  add_index_defaults(*cmd, retrieval.defaults);
  add_fusion_options(*cmd, retrieval.fusion);
  cmd->add_option("--latency-queries", retrieval.latency_queries,
                  "Queries searched one at a time for the p50/p99 latencies (0: none)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--batch-seconds", retrieval.batch_seconds,
                  "Each method's batch of all queries is searched again until this much time is "
                  "spent; the fastest search gives queries/s (0: one search)")
      ->check(non_negative())
      ->capture_default_str();
  add_enum_option(*cmd, "--on-invalid-utf8", args->on_invalid_utf8, kInvalidUtf8Help);
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    use_threads(args->threads);
    RetrievalOptions options = args->retrieval;
    const bool have_model = !args->model.empty();
    const std::string methods = !args->methods.empty() ? args->methods
                                : have_model           ? kEveryRetrievalMethod
                                                       : "bm25";
    options.methods = split_spec_list(methods);
    if (!have_model) {
      for (const std::string& name : options.methods) {
        if (parse_retriever_spec(name).needs_model()) {
          throw CLI::ValidationError("--methods", "method '" + name + "' needs --model");
        }
      }
      if (!args->dims.empty()) throw CLI::ValidationError("--dims", "--dims needs --model");
    }
    options.keep_runs = !args->out.empty();
    // Staged (and locked) first, so that an --out that cannot be written fails before the work;
    // its files move into --out only at the end, so a failed run adds nothing there.
    const std::unique_ptr<AtomicDirectory> report =
        args->out.empty() ? nullptr
                          : std::make_unique<AtomicDirectory>(args->out, DirectoryCommit::kMerge);
    const std::unique_ptr<Model> model =
        have_model ? std::make_unique<Model>(Model::load(args->model)) : nullptr;
    const BeirDataset dataset = load_beir(args->directory, {args->split}, args->on_invalid_utf8);
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
      if (method.name == "bm25") {
        fmt::print(stderr, "eval: bm25 index built in {:.2f} s\n", method.build_seconds);
      }
    }
    print_table(result, options);
    if (report) {
      write_outputs(report->temp_path(), name, args->split, args->model, result);
      report->commit();
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
  add_eval_sts(*eval);
  add_eval_words(*eval);
}

}  // namespace tessera::cli
