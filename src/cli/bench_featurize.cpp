// `tessera bench featurize`: throughput of reading + featurizing an input (MB/s, lines/s), the
// vocabulary pass and the featurizing pass timed apart. Peak memory: run under /usr/bin/time -v.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "featurizer_options.h"
#include "input_options.h"
#include "options.h"
#include "tessera/core/parallel.h"
#include "tessera/core/stopwatch.h"
#include "tessera/text/featurizer.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera::cli {

namespace {

constexpr size_t kBatchTexts = 8192;

}  // namespace

void add_bench_featurize(CLI::App& bench) {
  struct Args {
    TextInputOptions input;
    FeaturizerFlags featurizer;
    int threads = 2;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand(
      "featurize", "Time reading + featurizing an input: a vocabulary pass, then a feature pass");
  add_input_options(*cmd, args->input);
  add_featurizer_options(*cmd, args->featurizer);
  add_threads_option(*cmd, args->threads);
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  cmd->callback([args] {
    use_threads(args->threads);
    const FeaturizerConfig config = args->featurizer.resolve();
    const TextInputOptions input = with_utf8_policy(args->input, config.tokenizer);

    Stopwatch watch;
    VocabularyBuilder builder{Tokenizer(config.tokenizer)};
    TextInput vocab_input(input);
    for_each_batch(vocab_input, kBatchTexts,
                   [&](const std::vector<std::string>& batch, const std::string& source,
                       int64_t first) { builder.add_texts(batch, source, first); });
    const double vocab_s = watch.seconds();
    const VocabularyProgress counted = builder.progress();
    const Featurizer featurizer = Featurizer::from_config(config, builder.build());

    watch.restart();
    int64_t lines = 0, bytes = 0, features = 0;
    std::vector<int64_t> per_text;
    TextInput feature_input(input);
    for_each_batch(
        feature_input, kBatchTexts,
        [&](const std::vector<std::string>& batch, const std::string& source, int64_t first) {
          per_text.assign(batch.size(), 0);
          parallel_for(
              static_cast<int64_t>(batch.size()),
              [&](int64_t begin, int64_t end, int) {
                for (int64_t i = begin; i < end; ++i) {
                  const std::string where = fmt::format("{}:{}", source, first + i);
                  per_text[static_cast<size_t>(i)] = static_cast<int64_t>(
                      featurizer.featurize(batch[static_cast<size_t>(i)], where).ids.size());
                }
              },
              64);
          for (size_t i = 0; i < batch.size(); ++i) {
            features += per_text[i];
            bytes += static_cast<int64_t>(batch[i].size());
          }
          lines += static_cast<int64_t>(batch.size());
        });
    const double featurize_s = watch.seconds();
    const double mb = static_cast<double>(bytes) / 1e6;
    if (args->json) {
      fmt::print(
          "{{\"input\": \"{}\", \"threads\": {}, \"lines\": {}, \"text_mb\": {:.2f}, "
          "\"vocabulary\": {}, \"vocab_pass_s\": {:.3f}, \"vocab_mb_per_s\": {:.1f}, "
          "\"featurize_pass_s\": {:.3f}, \"featurize_mb_per_s\": {:.1f}, "
          "\"featurize_lines_per_s\": {:.0f}, \"features_per_line\": {:.1f}}}\n",
          input.path, num_threads(), lines, mb, featurizer.vocabulary().size(), vocab_s,
          static_cast<double>(counted.bytes) / 1e6 / vocab_s, featurize_s, mb / featurize_s,
          static_cast<double>(lines) / featurize_s,
          static_cast<double>(features) / static_cast<double>(std::max<int64_t>(1, lines)));
      return;
    }
    fmt::print("featurize {} ({} lines, {:.1f} MB of text, {} threads)\n", input.path, lines, mb,
               num_threads());
    fmt::print("  vocabulary pass: {:.2f} s, {:.1f} MB/s, {} words\n", vocab_s,
               static_cast<double>(counted.bytes) / 1e6 / vocab_s, featurizer.vocabulary().size());
    fmt::print("  feature pass:    {:.2f} s, {:.1f} MB/s, {:.0f} lines/s, {:.1f} features/line\n",
               featurize_s, mb / featurize_s, static_cast<double>(lines) / featurize_s,
               static_cast<double>(features) / static_cast<double>(std::max<int64_t>(1, lines)));
  });
}

}  // namespace tessera::cli
