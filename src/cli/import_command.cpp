// `tessera import --vec words.vec --out words.safetensors`: any word2vec-format vectors (fastText's
// .vec, GloVe's .txt) as a tessera word model, for `tessera eval words`, `tessera words`, `tessera
// embed --tower word`.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.h"
#include "options.h"
#include "tessera/core/atomic_file.h"
#include "tessera/train/word_training.h"

namespace tessera::cli {

void add_import_command(CLI::App& app) {
  struct Args {
    std::string vec;
    int64_t max_words = 0;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd =
      app.add_subcommand("import", "Make a word model of word vectors in the word2vec text format");
  cmd->add_option("--vec", args->vec, "Word vectors (.vec, .txt, .gz too)")->required();
  cmd->add_option("--max-words", args->max_words, "Only the first N words (0: all)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Model file to write (.safetensors)")->required();
  cmd->callback([args] {
    check_writable(args->out);
    const WordVectors table = WordVectors::read_file(args->vec, args->max_words);
    const Model model = word_model_from_vectors(table, args->vec);
    model.save(args->out);
    fmt::print(stderr, "import: {} words x {} dims{} written to {}\n",
               model.featurizer().vocabulary().size(), table.dim(),
               table.duplicates() > 0 ? fmt::format(" ({} duplicates dropped)", table.duplicates())
                                      : std::string(),
               args->out);
  });
}

}  // namespace tessera::cli
