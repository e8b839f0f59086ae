// `tessera quickstart`: the main job on built-in data. A reverse dictionary (describe a concept,
// get the word) from WordNet (Debian's wordnet-base): each word is a document holding the word,
// its synonyms and the glosses and examples of its senses; the definitions of held-out senses
// are removed from every document and become the test queries. A model is trained on (gloss ->
// word) pairs of the other senses, and the held-out definitions are searched by dense, BM25 and
// hybrid retrieval over the same documents: acc@1, acc@10 and MRR, a few examples, metrics.json
// and report.html.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/data/beir.h"
#include "tessera/data/reverse_dictionary.h"
#include "tessera/data/wordnet.h"
#include "tessera/eval/metrics_json.h"
#include "tessera/eval/retrieval_benchmark.h"
#include "train_run.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Document ids as WordNet writes lemmas ("domestic_dog"): TREC run files split on spaces.
std::string to_id(std::string id) {
  std::replace(id.begin(), id.end(), ' ', '_');
  return id;
}

// The task as a BEIR dataset: the documents, the training definitions as queries of the "train"
// split (one query per distinct definition, relevant to every word it defines) and the held-out
// ones as the "test" split.
BeirDataset to_beir(ReverseDictionary task) {
  BeirDataset dataset;
  for (BeirDocument& doc : task.documents) {
    doc.id = to_id(std::move(doc.id));
    dataset.corpus.push_back(std::move(doc));
  }
  BeirSplit train{"train", {}}, test{"test", {}};
  std::unordered_map<std::string, std::string> definition_query;  // definition -> query id
  for (auto& [definition, doc_id] : task.train_pairs) {
    auto [it, inserted] =
        definition_query.try_emplace(definition, fmt::format("train-{}", definition_query.size()));
    if (inserted) dataset.queries.push_back(BeirQuery{it->second, definition, 0});
    train.qrels.push_back(Qrel{it->second, to_id(doc_id), 1, 0});
  }
  // A word may be listed twice for one definition (two lemmas differing in case).
  std::sort(train.qrels.begin(), train.qrels.end(), [](const Qrel& a, const Qrel& b) {
    return std::tie(a.query_id, a.doc_id) < std::tie(b.query_id, b.doc_id);
  });
  train.qrels.erase(std::unique(train.qrels.begin(), train.qrels.end(),
                                [](const Qrel& a, const Qrel& b) {
                                  return a.query_id == b.query_id && a.doc_id == b.doc_id;
                                }),
                    train.qrels.end());
  for (BeirQuery& query : task.test_queries) {
    query.id = to_id(std::move(query.id));
    dataset.queries.push_back(std::move(query));
  }
  for (Qrel& qrel : task.test_qrels) {
    qrel.query_id = to_id(std::move(qrel.query_id));
    qrel.doc_id = to_id(std::move(qrel.doc_id));
    test.qrels.push_back(std::move(qrel));
  }
  dataset.splits = {std::move(train), std::move(test)};
  return dataset;
}

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

// The training pairs: each training definition with the document of a word it defines, that
// definition's line taken out. Test queries are definitions no document holds, so the model
// learns to find a word from its other senses, synonyms and examples, not by matching the text.
void write_training_pairs(const BeirDataset& dataset, const std::string& path) {
  std::unordered_map<std::string, const BeirDocument*> documents;
  for (const BeirDocument& doc : dataset.corpus) documents[doc.id] = &doc;
  std::unordered_map<std::string, const BeirQuery*> queries;
  for (const BeirQuery& query : dataset.queries) queries[query.id] = &query;
  std::string lines;
  for (const Qrel& qrel : dataset.splits.front().qrels) {
    const std::string& definition = queries.at(qrel.query_id)->text;
    const std::string& text = documents.at(qrel.doc_id)->text;
    std::string positive;
    size_t begin = 0;
    while (begin <= text.size()) {
      const size_t end = std::min(text.find('\n', begin), text.size());
      const std::string_view line(text.data() + begin, end - begin);
      if (line != definition) {
        if (!positive.empty()) positive += '\n';
        positive += line;
      }
      begin = end + 1;
    }
    const nlohmann::ordered_json pair = {{"query", definition}, {"positive", positive}};
    lines += pair.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    lines += '\n';
  }
  AtomicFile file(path);
  file.write(lines);
  file.commit();
}

// A few held-out definitions with the words expected and the hybrid method's top three.
void print_examples(const BeirDataset& dataset, const BenchmarkResult& result, int count) {
  const MethodResult& method = result.methods.back();
  std::map<std::string, std::vector<std::string>> expected;
  for (const Qrel& qrel : dataset.splits.back().qrels)
    expected[qrel.query_id].push_back(qrel.doc_id);
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
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-words", args->task.max_words,
                  "Keep only the words with the most senses (0: all; smaller is faster)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--seed", args->task.seed, "Which senses are held out")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Training epochs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--buckets", args->buckets, "Hash buckets of the model's bigram features")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", args->quiet, "No progress line");
  cmd->callback([args] {
    if (args->threads > 0) set_num_threads(args->threads);
    const auto start = Clock::now();
    const fs::path out(args->out);
    const std::vector<WordNetSynset> synsets = read_wordnet(args->wordnet);
    const BeirDataset dataset = to_beir(build_reverse_dictionary(synsets, args->task));
    const std::string data_dir = (out / "data").string();
    write_beir(data_dir, dataset);
    const size_t test_queries =
        std::count_if(dataset.queries.begin(), dataset.queries.end(),
                      [](const BeirQuery& q) { return q.id.rfind("train-", 0) != 0; });
    fmt::print(stderr,
               "quickstart: WordNet {}: {} synsets -> {} word documents, {} training "
               "definitions, {} held-out definitions as queries (written to {})\n",
               args->wordnet, synsets.size(), dataset.corpus.size(),
               dataset.queries.size() - test_queries, test_queries, data_dir);
    const std::string pairs_path = (out / "data" / "train_pairs.jsonl").string();
    write_training_pairs(dataset, pairs_path);

    TrainArgs train;
    train.data.pair_files = {pairs_path};
    train.data.crops_weight = 0;
    train.featurizer.config.buckets = args->buckets;
    train.trainer.epochs = args->epochs;
    train.out = (out / "model.safetensors").string();
    train.quiet = args->quiet;
    run_train(train);

    const Model model = Model::load(train.out);
    const RetrievalBenchmark benchmark = RetrievalBenchmark::from_beir(dataset, "test");
    RetrievalOptions options;
    options.methods = {RetrievalMethod::kBm25, RetrievalMethod::kDense, RetrievalMethod::kHybrid};
    options.metrics = {{IrMeasure::kSuccess, 1}, {IrMeasure::kSuccess, 10}, {IrMeasure::kMrr, 100}};
    options.keep_runs = true;
    const BenchmarkResult result = benchmark.evaluate(model, {model.dim()}, options);

    fmt::print("\nWordNet reverse dictionary: {} held-out definitions, {} words\n",
               result.num_queries, result.num_documents);
    fmt::print("{:<24} {:>8} {:>8} {:>8} {:>10}\n", "method", "acc@1", "acc@10", "MRR",
               "queries/s");
    for (const MethodResult& method : result.methods) {
      fmt::print("{:<24} {:>8.4f} {:>8.4f} {:>8.4f} {:>10.0f}\n", method.name,
                 method.evaluation.means[0], method.evaluation.means[1], method.evaluation.means[2],
                 method.queries_per_second);
    }
    print_examples(dataset, result, 5);

    const nlohmann::ordered_json metrics =
        metrics_json(result, train.out, result.num_queries, seconds_since(start));
    write_metrics_and_report(out.string(), metrics);
    fmt::print("\nquickstart: done in {:.0f} s; {} and {} written\n", seconds_since(start),
               (out / "metrics.json").string(), (out / "report.html").string());
  });
}

}  // namespace

void add_quickstart_command(CLI::App& app) { add_quickstart(app); }

}  // namespace tessera::cli
