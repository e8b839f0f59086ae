// `tessera words neighbors --model M --word bank`: the nearest words of each word given, by
// cosine over the vocabulary (a word outside it by its char n-gram vector).
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "options.h"
#include "tessera/eval/word_evaluation.h"

namespace tessera::cli {

void add_words_command(CLI::App& app) {
  struct Args {
    std::string model;
    std::string vectors;
    std::string tower;
    std::vector<std::string> words;
    int64_t k = 10;
    bool json = false;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* words = app.add_subcommand("words", "Look into word vectors");
  words->require_subcommand(1);
  CLI::App* cmd = words->add_subcommand(
      "neighbors", "The nearest words of each --word, by cosine over the vocabulary");
  CLI::Option* model = cmd->add_option("--model", args->model,
                                       "A word model (tessera train --task words or import)");
  CLI::Option* vectors =
      cmd->add_option("--vectors", args->vectors, "Word vectors in the word2vec text format");
  model->excludes(vectors);
  cmd->add_option("--tower", args->tower,
                  "With --model: the tower that embeds words (default: word, else query)");
  cmd->add_option("--word", args->words, "A word (repeat for more)")->required();
  cmd->add_option("-k", args->k, "Neighbors per word")->check(positive())->capture_default_str();
  cmd->add_flag("--json", args->json, "One JSON line per word");
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    use_threads(args->threads);
    if (args->model.empty() == args->vectors.empty()) {
      throw CLI::ValidationError("--model", "give --model or --vectors");
    }
    if (!args->tower.empty() && args->model.empty()) {
      throw CLI::ValidationError("--tower", "needs --model");
    }
    std::unique_ptr<Model> word_model;
    std::unique_ptr<WordVectorSource> source;
    if (!args->model.empty()) {
      word_model = std::make_unique<Model>(Model::load(args->model));
      source = std::make_unique<ModelWordVectors>(
          *word_model, args->tower.empty() ? default_word_tower(*word_model) : args->tower);
    } else {
      source = std::make_unique<TableWordVectors>(WordVectors::read_file(args->vectors));
    }
    for (const std::string& word : args->words) {
      const std::vector<WordNeighbor> neighbors = nearest_words(*source, word, args->k);
      const bool known = source->find(word).has_value();
      if (args->json) {
        nlohmann::ordered_json line = {{"word", word},
                                       {"in_vocabulary", known},
                                       {"neighbors", nlohmann::ordered_json::array()}};
        for (const WordNeighbor& n : neighbors) {
          line["neighbors"].push_back({{"word", n.word}, {"cosine", n.cosine}});
        }
        fmt::print("{}\n", line.dump());
        continue;
      }
      fmt::print("{}{}:", word,
                 known               ? ""
                 : neighbors.empty() ? " (no vector)"
                                     : " (not in the vocabulary: n-grams)");
      for (const WordNeighbor& n : neighbors) fmt::print(" {} {:.3f}", n.word, n.cosine);
      fmt::print("\n");
    }
  });
}

}  // namespace tessera::cli
