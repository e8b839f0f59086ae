// `tessera eval words --vectors V.vec | --model M --data DIR`: word similarity (Spearman x 100 per
// set, over the covered pairs and over all) and word analogies (3CosAdd, 3CosMul) of any
// word2vec-format vectors or of a model's words, so fastText's or GloVe's vectors are scored by
// the same code as tessera's.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "options.h"
#include "tessera/core/check.h"
#include "tessera/core/stopwatch.h"
#include "tessera/data/word_benchmarks.h"
#include "tessera/data/word_vectors_file.h"
#include "tessera/eval/metrics_json.h"
#include "tessera/eval/word_evaluation.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;

struct NamedFile {
  const char* name;
  const char* path;  // under --data
};

// The similarity sets of a words data directory (../shared/data/words's layout).
constexpr NamedFile kSimilaritySets[] = {
    {"ws353", "wordsim353/EN-WS-353-ALL.txt"},
    {"ws353-sim", "wordsim353/EN-WS-353-SIM.txt"},
    {"ws353-rel", "wordsim353/EN-WS-353-REL.txt"},
    {"simlex999", "simlex999/EN-SIMLEX-999.txt"},
    {"men", "men/EN-MEN-TR-3k.txt"},
    {"rw", "other_wordsim/EN-RW-STANFORD.txt"},
    {"simverb3500", "other_wordsim/EN-SimVerb-3500.txt"},
    {"mc30", "other_wordsim/EN-MC-30.txt"},
    {"rg65", "other_wordsim/EN-RG-65.txt"},
    {"mturk287", "other_wordsim/EN-MTurk-287.txt"},
    {"mturk771", "other_wordsim/EN-MTurk-771.txt"},
    {"yp130", "other_wordsim/EN-YP-130.txt"},
    {"verb143", "other_wordsim/EN-VERB-143.txt"},
};
constexpr const char* kAnalogyFile = "analogy/questions-words.txt";

nlohmann::ordered_json similarity_json(const WordSimilarityResult& r) {
  return {{"pairs", r.pairs},
          {"covered", r.covered},
          {"with_vectors", r.with_vectors},
          {"spearman_covered", r.spearman_covered},
          {"spearman_all", r.spearman_all}};
}

double percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

nlohmann::ordered_json analogy_json(const AnalogySectionResult& r) {
  return {{"questions", r.questions},
          {"covered", r.covered},
          {"cos_add_covered", percent(r.correct_add, r.covered)},
          {"cos_mul_covered", percent(r.correct_mul, r.covered)},
          {"cos_add_all", percent(r.correct_add, r.questions)},
          {"cos_mul_all", percent(r.correct_mul, r.questions)}};
}

void print_analogy_row(const AnalogySectionResult& r) {
  fmt::print("{:<28} {:>6} {:>7} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f}\n", r.name, r.questions,
             r.covered, percent(r.correct_add, r.covered), percent(r.correct_mul, r.covered),
             percent(r.correct_add, r.questions), percent(r.correct_mul, r.questions));
}

}  // namespace

void add_eval_words(CLI::App& eval) {
  struct Args {
    std::string vectors;
    std::string model;
    std::string tower;
    int64_t max_words = 0;
    std::string data;
    std::vector<std::string> pairs;
    std::string analogies;
    AnalogyOptions analogy;
    bool sections = false;
    bool json = false;
    std::string out;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval.add_subcommand(
      "words",
      "Word similarity (Spearman x 100 of cosines against human scores, over the pairs in the "
      "vocabulary and over all pairs) and word analogies (3CosAdd, 3CosMul) of word vectors");
  CLI::Option* vectors_option =
      cmd->add_option("--vectors", args->vectors,
                      "Word vectors in the word2vec text format (.vec of fastText, GloVe's .txt; "
                      "optional COUNT DIM header; .gz read as well)");
  CLI::Option* model_option = cmd->add_option(
      "--model", args->model,
      "A model file: its vocabulary's words, and any other word from its char n-grams (a word "
      "model of tessera train --task words, or any model whose tower reads texts)");
  vectors_option->excludes(model_option);
  cmd->add_option("--tower", args->tower,
                  "With --model: the tower that embeds words (default: word, else query)");
  cmd->add_option("--max-words", args->max_words,
                  "Read only the first N words of --vectors (0: all)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--data", args->data,
                  "A words benchmark directory laid out as ../shared/data/words: every "
                  "similarity set found there (ws353, ws353-sim, ws353-rel, simlex999, men, rw, "
                  "simverb3500, mc30, rg65, mturk287, mturk771, yp130, verb143) and "
                  "analogy/questions-words.txt");
  cmd->add_option("--pairs", args->pairs,
                  "More similarity files (word1 word2 score per line), comma-separated; each "
                  "named by its file name")
      ->delimiter(',');
  cmd->add_option("--analogies", args->analogies,
                  "An analogy file (': section' lines, then 'a b c d' lines); default: the one "
                  "in --data");
  cmd->add_option("--analogy-vocabulary", args->analogy.vocabulary,
                  "Analogy candidates: the first N words of the vectors (gensim's restrict_vocab)")
      ->check(positive())
      ->capture_default_str();
  cmd->add_flag("--sections", args->sections, "Print every analogy section, not only the sums");
  cmd->add_flag("--json", args->json, "Print metrics as JSON instead of tables");
  cmd->add_option("--out", args->out, "Directory for metrics.json");
  add_threads_option(*cmd, args->threads);
  cmd->callback([args] {
    use_threads(args->threads);
    std::vector<std::pair<std::string, std::string>> similarity_files;  // name, path
    std::string analogy_path = args->analogies;
    if (!args->data.empty()) {
      TESSERA_CHECK(fs::is_directory(args->data), "--data {}: not a directory", args->data);
      for (const NamedFile& set : kSimilaritySets) {
        const fs::path path = fs::path(args->data) / set.path;
        if (fs::exists(path)) similarity_files.emplace_back(set.name, path.string());
      }
      const fs::path analogies = fs::path(args->data) / kAnalogyFile;
      if (analogy_path.empty() && fs::exists(analogies)) analogy_path = analogies.string();
    }
    for (const std::string& path : args->pairs) {
      similarity_files.emplace_back(fs::path(path).filename().string(), path);
    }
    if (similarity_files.empty() && analogy_path.empty()) {
      throw CLI::ValidationError("--data",
                                 "nothing to evaluate: give --data, --pairs or --analogies");
    }
    // Every benchmark file is read before the vectors, so a bad one fails fast.
    std::vector<std::vector<WordPair>> pair_sets;
    for (const auto& named : similarity_files) {
      pair_sets.push_back(read_word_pairs(LineSource::open(named.second)));
    }
    const AnalogySet analogy_set = analogy_path.empty()
                                       ? AnalogySet{}
                                       : read_analogy_questions(LineSource::open(analogy_path));

    if (args->vectors.empty() == args->model.empty()) {
      throw CLI::ValidationError("--vectors", "give --vectors or --model");
    }
    if (!args->tower.empty() && args->model.empty()) {
      throw CLI::ValidationError("--tower", "needs --model");
    }
    if (args->max_words > 0 && args->vectors.empty()) {
      throw CLI::ValidationError("--max-words", "needs --vectors");
    }
    Stopwatch watch;
    std::unique_ptr<Model> word_model;
    std::unique_ptr<WordVectorSource> source;
    if (!args->vectors.empty()) {
      source = std::make_unique<TableWordVectors>(
          WordVectors::read_file(args->vectors, args->max_words));
    } else {
      word_model = std::make_unique<Model>(Model::load(args->model));
      source = std::make_unique<ModelWordVectors>(
          *word_model, args->tower.empty() ? default_word_tower(*word_model) : args->tower);
    }
    const WordVectorSource& vectors = *source;
    fmt::print(stderr, "eval: {} words x {} dims read in {:.1f} s\n", vectors.vocabulary().size(),
               vectors.dim(), watch.seconds());

    nlohmann::ordered_json metrics = {
        {"vectors", args->vectors}, {"words", vectors.vocabulary().size()}, {"dim", vectors.dim()}};
    nlohmann::ordered_json similarity = nlohmann::ordered_json::object();
    std::vector<WordSimilarityResult> results;
    for (size_t s = 0; s < pair_sets.size(); ++s) {
      results.push_back(evaluate_word_similarity(vectors, pair_sets[s], similarity_files[s].first));
      similarity[results.back().name] = similarity_json(results.back());
    }
    metrics["similarity"] = similarity;
    std::optional<AnalogyResult> analogy;
    if (!analogy_set.questions.empty()) {
      watch.restart();
      analogy = evaluate_analogies(vectors, analogy_set, args->analogy);
      fmt::print(stderr, "eval: {} analogy questions over {} candidates in {:.1f} s\n",
                 analogy_set.questions.size(), analogy->vocabulary, watch.seconds());
      nlohmann::ordered_json sections = nlohmann::ordered_json::object();
      for (const AnalogySectionResult& section : analogy->sections) {
        sections[section.name] = analogy_json(section);
      }
      metrics["analogy"] = {{"candidates", analogy->vocabulary},
                            {"total", analogy_json(analogy->total)},
                            {"semantic", analogy_json(analogy->semantic)},
                            {"syntactic", analogy_json(analogy->syntactic)},
                            {"sections", sections}};
    }
    if (!args->out.empty()) write_metrics_json(args->out, metrics);
    if (args->json) {
      fmt::print("{}\n", metrics.dump(2));
      return;
    }
    if (!results.empty()) {
      fmt::print("{:<14} {:>6} {:>8} {:>13} {:>13}\n", "similarity", "pairs", "covered",
                 "rho covered", "rho all");
      for (const WordSimilarityResult& r : results) {
        fmt::print("{:<14} {:>6} {:>8} {:>13.1f} {:>13.1f}\n", r.name, r.pairs, r.covered,
                   r.spearman_covered, r.spearman_all);
      }
    }
    if (analogy) {
      fmt::print("{:<28} {:>6} {:>7} {:>9} {:>9} {:>9} {:>9}\n", "analogy (% correct)", "asked",
                 "covered", "add cov", "mul cov", "add all", "mul all");
      if (args->sections) {
        for (const AnalogySectionResult& section : analogy->sections) print_analogy_row(section);
      }
      print_analogy_row(analogy->semantic);
      print_analogy_row(analogy->syntactic);
      print_analogy_row(analogy->total);
    }
  });
}

}  // namespace tessera::cli
