// `tessera export --model M --format vec --out words.vec`: a word model's vocabulary and vectors
// in the word2vec text format (fastText's .vec), for any tool that reads it.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.h"
#include "options.h"
#include "tessera/data/word_vectors_file.h"
#include "tessera/eval/word_evaluation.h"

namespace tessera::cli {

void add_export_command(CLI::App& app) {
  struct Args {
    std::string model;
    std::string format = "vec";
    std::string tower;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write a model's word vectors for other tools (the word2vec text format)");
  cmd->add_option("--model", args->model, "A word model (tessera train --task words)")->required();
  cmd->add_option("--format", args->format, "vec: word2vec text, COUNT DIM header")
      ->check(CLI::IsMember({"vec"}))
      ->capture_default_str();
  cmd->add_option("--tower", args->tower,
                  "The tower that embeds words (default: word, else query)");
  cmd->add_option("--out", args->out, "Output file (- for standard output)")->required();
  cmd->callback([args] {
    const Model model = Model::load(args->model);
    const std::string tower = args->tower.empty() ? default_word_tower(model) : args->tower;
    const ModelWordVectors vectors(model, tower);
    Tensor rows = Tensor::empty({static_cast<int64_t>(vectors.vocabulary().size()), vectors.dim()});
    for (int64_t r = 0; r < rows.rows(); ++r) {
      const std::span<const float> row = vectors.row(r);
      std::copy(row.begin(), row.end(), rows.row(r));
    }
    write_word_vectors(args->out, vectors.vocabulary(), rows);
    if (args->out != "-") {
      fmt::print(stderr, "export: {} words x {} dims written to {}\n", rows.rows(), rows.cols(),
                 args->out);
    }
  });
}

}  // namespace tessera::cli
