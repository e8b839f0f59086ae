// `tessera vocab`: count the words of an input and write the vocabulary (word<TAB>count).
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "featurizer_options.h"
#include "input_options.h"
#include "options.h"
#include "progress.h"
#include "tessera/core/parallel.h"
#include "tessera/text/tokenizer.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera::cli {

namespace {
constexpr size_t kBatchTexts = 8192;
}

void add_vocab_command(CLI::App& app) {
  struct Args {
    TextInputOptions input;
    FeaturizerFlags featurizer;
    VocabularyOptions vocabulary;
    VocabularyBuilderOptions builder;
    std::string out;
    int threads = 0;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "vocab", "Count the words of an input (streaming, bounded memory) and write a vocabulary");
  add_input_options(*cmd, args->input);
  add_tokenizer_options(*cmd, args->featurizer);
  cmd->add_option("--min-count", args->vocabulary.min_count, "Leave out words seen fewer times")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-size", args->vocabulary.max_size, "Keep the N most frequent (0: all)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--max-table", args->builder.max_table_entries,
                  "Distinct words held while counting before rare ones are pruned (memory bound)")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Vocabulary file to write (word<TAB>count per line)")
      ->required();
  add_threads_option(*cmd, args->threads);
  cmd->add_flag("--quiet", args->quiet, "No progress line");
  cmd->callback([args] {
    use_threads(args->threads);
    const FeaturizerConfig config = args->featurizer.resolve();
    VocabularyBuilder builder{Tokenizer(config.tokenizer), args->builder};
    TextInput input(with_utf8_policy(args->input, config.tokenizer));
    Progress progress("vocab", args->quiet ? 0 : -1);
    builder.set_progress_callback(
        [&](const VocabularyProgress& p) { progress.update(p.texts, p.bytes); });
    for_each_batch(input, kBatchTexts,
                   [&](const std::vector<std::string>& batch, const std::string& source,
                       int64_t first) { builder.add_texts(batch, source, first); });
    progress.finish();
    const Vocabulary vocabulary = builder.build(args->vocabulary);
    vocabulary.save(args->out);
    const VocabularyProgress& p = builder.progress();
    fmt::print(stderr, "vocab: {} words written to {} ({} texts, {} tokens, {} distinct held{})\n",
               vocabulary.size(), args->out, p.texts, p.tokens, p.table_entries,
               p.prune_threshold > 0
                   ? fmt::format(", counts <= {} pruned while counting", p.prune_threshold)
                   : std::string());
  });
}

}  // namespace tessera::cli
