// `tessera eval sts DIR --model M`: STS Benchmark (sts-dev.csv, sts-test.csv in DIR) scored by
// sentence vectors made of a model's word vectors (SIF or mean pooling): Spearman x 100.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "options.h"
#include "tessera/core/check.h"
#include "tessera/eval/metrics_json.h"
#include "tessera/eval/sentence_similarity.h"
#include "tessera/eval/word_evaluation.h"

namespace tessera::cli {

void add_eval_sts(CLI::App& eval) {
  struct Args {
    std::string directory;
    std::string model;
    std::string tower;
    std::vector<std::string> splits{"dev", "test"};
    SentenceVectorOptions sentences;
    bool json = false;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval.add_subcommand(
      "sts",
      "Semantic textual similarity (STS Benchmark): Spearman x 100 of the cosines of sentence "
      "vectors made of a model's word vectors, against the human scores");
  cmd->add_option("dir", args->directory,
                  "STS Benchmark directory (sts-dev.csv, sts-test.csv: tab-separated, score in "
                  "column 5, sentences in 6 and 7)")
      ->required();
  cmd->add_option("--model", args->model, "A word model (tessera train --task words, import)")
      ->required();
  cmd->add_option("--tower", args->tower, "The tower of word vectors (default: word, else query)");
  cmd->add_option("--splits", args->splits, "Splits to score (sts-SPLIT.csv), comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  add_enum_option(*cmd, "--pooling", args->sentences.pooling,
                  "sif: weighted by a / (a + p(w)), the first singular vector removed (Arora et "
                  "al. 2017; needs the word counts of a trained model); mean: the plain average");
  cmd->add_option("--sif-a", args->sentences.sif_a, "SIF's a")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print metrics as JSON");
  cmd->add_option("--out", args->out, "Directory for metrics.json");
  cmd->callback([args] {
    std::vector<std::vector<ScoredPair>> splits;
    for (const std::string& split : args->splits) {
      const std::string path =
          (std::filesystem::path(args->directory) / ("sts-" + split + ".csv")).string();
      ScoredPairReader reader = ScoredPairReader::stsb(LineSource::open(path));
      std::vector<ScoredPair> pairs;
      ScoredPair pair;
      while (reader.next(pair)) pairs.push_back(pair);
      TESSERA_CHECK(!pairs.empty(), "{}: no sentence pairs", path);
      splits.push_back(std::move(pairs));
    }
    const Model model = Model::load(args->model);
    if (args->sentences.pooling == SentencePooling::kSif &&
        nlohmann::json::parse(model.provenance()).contains("imported")) {
      throw CLI::ValidationError("--pooling",
                                 "sif needs word counts, which imported vectors lack: use "
                                 "--pooling mean");
    }
    // The vocabulary's vectors, made once for every split.
    const ModelWordVectors words(model,
                                 args->tower.empty() ? default_word_tower(model) : args->tower);
    nlohmann::ordered_json metrics = {{"model", args->model},
                                      {"pooling", name_of(args->sentences.pooling)},
                                      {"splits", nlohmann::ordered_json::object()}};
    for (size_t s = 0; s < splits.size(); ++s) {
      const StsResult r = evaluate_sts(words, splits[s], args->sentences);
      metrics["splits"][args->splits[s]] = {{"pairs", r.pairs}, {"spearman", r.spearman}};
      if (!args->json) {
        fmt::print("sts-{} ({} pairs, {}): Spearman {:.1f}\n", args->splits[s], r.pairs,
                   name_of(args->sentences.pooling), r.spearman);
      }
    }
    if (!args->out.empty()) write_metrics_json(args->out, metrics);
    if (args->json) fmt::print("{}\n", metrics.dump(2));
  });
}

}  // namespace tessera::cli
