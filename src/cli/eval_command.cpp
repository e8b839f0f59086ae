// `tessera eval beir DIR [--model M]`: retrieval quality on a BEIR dataset, one row per method
// (BM25; with a model, dense at each Matryoshka dim and binary codes + rescoring), with TREC runs
// and metrics.json on request. Without --model, BM25 only.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/data/beir.h"
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
    const RetrievalMethod method = name == "dense"    ? RetrievalMethod::kDense
                                   : name == "binary" ? RetrievalMethod::kBinaryRescore
                                                      : RetrievalMethod::kBm25;
    TESSERA_CHECK(std::find(methods.begin(), methods.end(), method) == methods.end(),
                  "method '{}' is given twice", name);
    methods.push_back(method);
  }
  return methods;
}

void print_table(const BenchmarkResult& result, const RetrievalOptions& options) {
  fmt::print("{:<22}", "method");
  for (const IrMetric& metric : options.metrics) fmt::print(" {:>10}", metric.name());
  fmt::print(" {:>11}\n", "queries/s");
  for (const MethodResult& method : result.methods) {
    fmt::print("{:<22}", method.name);
    for (const double mean : method.evaluation.means) fmt::print(" {:>10.4f}", mean);
    fmt::print(" {:>11.0f}\n", method.queries_per_second);
  }
}

void write_outputs(const std::string& out_dir, const std::string& dataset, const std::string& split,
                   const std::string& model_path, const BenchmarkResult& result) {
  std::error_code error;
  fs::create_directories(out_dir, error);
  TESSERA_CHECK(!error, "cannot create output directory {}: {}", out_dir, error.message());
  nlohmann::ordered_json methods = nlohmann::ordered_json::object();
  for (const MethodResult& method : result.methods) {
    write_trec_run((fs::path(out_dir) / (method.name + ".trec")).string(), method.run,
                   "tessera:" + method.name);
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    for (size_t m = 0; m < method.evaluation.metrics.size(); ++m) {
      entry[method.evaluation.metrics[m].name()] = method.evaluation.means[m];
    }
    entry["qps"] = method.queries_per_second;
    if (method.method == RetrievalMethod::kBm25) entry["build_seconds"] = method.build_seconds;
    methods[method.name] = std::move(entry);
  }
  const nlohmann::ordered_json metrics = {
      {"dataset", dataset},
      {"split", split},
      {"queries", result.num_queries},
      {"documents", result.num_documents},
      {"model", model_path.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(model_path)},
      {"methods", std::move(methods)}};
  AtomicFile file((fs::path(out_dir) / "metrics.json").string());
  file.write(metrics.dump(1) + "\n");
  file.commit();
}

void add_eval_beir(CLI::App& eval) {
  struct Args {
    std::string directory;
    std::string model;
    std::string split = "test";
    std::vector<int64_t> dims;
    std::vector<std::string> methods;  // default: bm25, and dense + binary with a model
    int64_t depth = 100;
    std::string out;
    int threads = 0;
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
                  "stemming and stop words; no model), dense (exact search at each dim), binary "
                  "(sign bits of the full vector, Hamming top-100, rescored by cosine). Default: "
                  "bm25,dense,binary with --model, bm25 without")
      ->delimiter(',')
      ->check(CLI::IsMember({"bm25", "dense", "binary"}));
  cmd->add_option("--depth", args->depth,
                  "Dense results kept per query (the run depth; BEIR's run files use 1000)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--out", args->out,
                  "Directory for metrics.json and one TREC run per method (METHOD.trec)");
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] {
    if (args->threads > 0) set_num_threads(args->threads);
    RetrievalOptions options;
    const bool have_model = !args->model.empty();
    std::vector<std::string> method_names = args->methods;
    if (method_names.empty()) {
      method_names = have_model ? std::vector<std::string>{"bm25", "dense", "binary"}
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
      fmt::print(stderr, "eval: metrics.json and {} run files written to {}\n",
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
