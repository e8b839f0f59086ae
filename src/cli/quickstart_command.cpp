// `tessera quickstart`: the main job on built-in data. A reverse dictionary (describe a concept,
// get the word) from WordNet (Debian's wordnet-base): each word is a document holding the word,
// its synonyms and the glosses and examples of its senses; the definitions of held-out senses
// are removed from every document and become the test queries. A model is trained on (gloss ->
// word) pairs of the other senses, and the held-out definitions are searched by dense, BM25 and
// hybrid retrieval over the same documents: acc@1, acc@10 and MRR, a few examples, metrics.json
// and report.html.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands.h"
#include "options.h"
#include "tessera/core/check.h"
#include "tessera/core/stopwatch.h"
#include "tessera/data/beir.h"
#include "tessera/data/reverse_dictionary.h"
#include "tessera/data/wordnet.h"
#include "tessera/eval/metrics_json.h"
#include "tessera/eval/retrieval_benchmark.h"
#include "train_run.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;

// The quickstart's names of the metrics computed: acc@k is Success@k.
std::string display_name(const IrMetric& metric) {
  if (metric.measure == IrMeasure::kSuccess) return fmt::format("acc@{}", metric.k);
  if (metric.measure == IrMeasure::kMrr) return "MRR";
  return metric.name();
}

nlohmann::ordered_json metrics_json(const BenchmarkResult& result, const std::string& model,
                                    int64_t held_out, double seconds) {
  return {{"dataset", "wordnet-reverse-dictionary"},
          {"split", "test"},
          {"queries", result.num_queries},
          {"documents", result.num_documents},
          {"held_out_senses", held_out},
          {"model", model},
          {"quality_metric", "acc@10"},
          {"seconds", seconds},
          {"methods", methods_json(result, display_name)}};
}

// A few held-out definitions with the words expected and one method's top three.
void print_examples(const BeirDataset& dataset, const MethodResult& method, int count) {
  std::map<std::string, std::vector<std::string>> expected;
  for (const BeirSplit& split : dataset.splits) {
    if (split.name != "test") continue;
    for (const Qrel& qrel : split.qrels) expected[qrel.query_id].push_back(qrel.doc_id);
  }
  std::unordered_map<std::string, const BeirQuery*> queries;
  for (const BeirQuery& query : dataset.queries) queries[query.id] = &query;
  fmt::print("\nexamples ({}):\n", method.name);
  int shown = 0;
  const size_t step = std::max<size_t>(1, expected.size() / static_cast<size_t>(count));
  size_t i = 0;
  for (const auto& [query_id, words] : expected) {
    if (i++ % step != 0 || shown == count) continue;
    ++shown;
    const auto ranked = method.run.find(query_id);
    std::vector<ScoredDoc> docs =
        ranked == method.run.end() ? std::vector<ScoredDoc>{} : ranked->second;
    std::sort(docs.begin(), docs.end(),
              [](const ScoredDoc& a, const ScoredDoc& b) { return a.score > b.score; });
    std::string top;
    for (size_t j = 0; j < std::min<size_t>(3, docs.size()); ++j) {
      const bool right = std::find(words.begin(), words.end(), docs[j].doc_id) != words.end();
      top += fmt::format("{}{}{}", j == 0 ? "" : ", ", docs[j].doc_id, right ? " (right)" : "");
    }
    std::string answer;
    for (const std::string& word : words) answer += (answer.empty() ? "" : ", ") + word;
    fmt::print("  \"{}\"\n    answer: {}; found: {}\n", queries.at(query_id)->text, answer, top);
  }
}

void add_quickstart(CLI::App& app) {
  struct Args {
    std::string out = "quickstart-report";
    std::string wordnet = default_wordnet_directory();
    ReverseDictionaryOptions task;
    int64_t epochs = 5;
    int64_t buckets = 1 << 17;
    int threads = 0;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "quickstart",
      "The main job on built-in data: a WordNet reverse dictionary (describe a concept, get the "
      "word). Trains a model on the definitions of most senses, then searches the held-out ones "
      "by dense, BM25 and hybrid retrieval; writes metrics.json and report.html");
  cmd->add_option("--out", args->out, "Output directory (data, model, metrics, report)")
      ->capture_default_str();
  cmd->add_option("--wordnet", args->wordnet, "WordNet 3.0 database directory")
      ->capture_default_str();
  cmd->add_option("--held-out", args->task.held_out, "Senses whose definition becomes a query")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-words", args->task.max_words,
                  "Keep only the words with the most senses (0: all; smaller is faster)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--seed", args->task.seed, "Which senses are held out")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Training epochs")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--buckets", args->buckets, "Hash buckets of the model's bigram features")
      ->check(non_negative())
      ->capture_default_str();
  add_threads_option(*cmd, args->threads);
  cmd->add_flag("--quiet", args->quiet, "No progress line");
  cmd->callback([args] {
    use_threads(args->threads);
    const Stopwatch watch;
    const fs::path out(args->out);
    const std::vector<WordNetSynset> synsets = read_wordnet(args->wordnet);
    ReverseDictionary task = build_reverse_dictionary(synsets, args->task);
    const size_t test_queries = task.test_queries.size();
    const BeirDataset dataset = reverse_dictionary_dataset(std::move(task));
    const std::string data_dir = (out / "data").string();
    write_beir(data_dir, dataset);
    fmt::print(stderr,
               "quickstart: WordNet {}: {} synsets -> {} word documents, {} training "
               "definitions, {} held-out definitions as queries (written to {})\n",
               args->wordnet, synsets.size(), dataset.corpus.size(),
               dataset.queries.size() - test_queries, test_queries, data_dir);
    TrainArgs train;
    train.training.data.pairs = reverse_dictionary_pairs(dataset);
    train.training.data.pairs_name = "WordNet definitions";
    train.training.data.crops_weight = 0;
    train.featurizer.config.buckets = args->buckets;
    train.training.trainer.epochs = args->epochs;
    train.out = (out / "model.safetensors").string();
    train.quiet = args->quiet;
    run_train(train);

    const Model model = Model::load(train.out);
    const RetrievalBenchmark benchmark = RetrievalBenchmark::from_beir(dataset, "test");
    // Flat search at the Matryoshka prefixes of 64 dims and more, and binary codes: curves of
    // quality against bytes and speed in the report.
    RetrievalOptions options;
    options.methods = {"bm25", "flat", "binary+rescore", "hybrid"};
    options.metrics = {{IrMeasure::kSuccess, 1}, {IrMeasure::kSuccess, 10}, {IrMeasure::kMrr, 100}};
    options.latency_queries = 200;
    options.keep_runs = true;
    std::vector<int64_t> dims;
    for (const int64_t p : model.prefixes()) {
      if (p >= 64) dims.push_back(p);
    }
    const BenchmarkResult result = benchmark.evaluate(model, dims, options);

    fmt::print("\nWordNet reverse dictionary: {} held-out definitions, {} words\n",
               result.num_queries, result.num_documents);
    fmt::print("{:<24} {:>8} {:>8} {:>8} {:>10} {:>10}\n", "method", "acc@1", "acc@10", "MRR",
               "queries/s", "bytes/vec");
    for (const MethodResult& method : result.methods) {
      fmt::print("{:<24} {:>8.4f} {:>8.4f} {:>8.4f} {:>10.0f} {:>10.0f}\n", method.name,
                 method.evaluation.means[0], method.evaluation.means[1], method.evaluation.means[2],
                 method.queries_per_second, method.bytes_per_vector);
    }
    print_examples(dataset, result.method(fmt::format("hybrid(bm25+flat@{})", model.dim())), 5);

    const nlohmann::ordered_json metrics =
        metrics_json(result, train.out, result.num_queries, watch.seconds());
    write_metrics_and_report(out.string(), metrics);
    fmt::print("\nquickstart: done in {:.0f} s; {} and {} written\n", watch.seconds(),
               (out / "metrics.json").string(), (out / "report.html").string());
  });
}

}  // namespace

void add_quickstart_command(CLI::App& app) { add_quickstart(app); }

}  // namespace tessera::cli
