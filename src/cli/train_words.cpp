#include "train_words.h"

#include <fmt/format.h>

#include <set>

#include "options.h"
#include "progress.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/parallel.h"
#include "tessera/core/stopwatch.h"

namespace tessera::cli {

namespace {

constexpr const char* kGroup = "Words (--task words)";

// The options `train --task words` reads; any other given is a usage error.
const std::set<std::string> kWordOptions = {"--task",
                                            "--input",
                                            "--model",
                                            "--window",
                                            "--sample",
                                            "--dim",
                                            "--epochs",
                                            "--lr",
                                            "--neg",
                                            "--min-count",
                                            "--char-ngram-min",
                                            "--char-ngram-max",
                                            "--buckets",
                                            "--no-case-fold",
                                            "--nfc",
                                            "--strip-accents",
                                            "--keep-punctuation",
                                            "--stop-words",
                                            "--no-stop-words",
                                            "--stem",
                                            "--no-stem",
                                            "--stemmer",
                                            "--hash-seed",
                                            "--seed",
                                            "--threads",
                                            "--out",
                                            "--quiet",
                                            "--on-invalid-utf8"};

bool given(const CLI::App& cmd, const std::string& name) {
  const CLI::Option* option = cmd.get_option_no_throw(name);
  return option != nullptr && option->count() > 0;
}

}  // namespace

void add_words_options(CLI::App& cmd, WordsArgs& w) {
  add_enum_option(cmd, "--model", w.model,
                  "skipgram (predict the context from each word) or cbow (each word from its "
                  "context)")
      ->group(kGroup);
  cmd.add_option("--window", w.window, "Context words each side, at most (1..window, uniform)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str()
      ->group(kGroup);
  cmd.add_option("--sample", w.sample,
                 "Subsampling of frequent words (word2vec's formula; 0: keep every word)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(kGroup);
}

void run_train_words(const CLI::App& cmd, const TrainArgs& a, const ClassifyArgs& c,
                     const WordsArgs& w) {
  for (const CLI::Option* option : cmd.get_options()) {
    if (option->count() > 0 && !option->get_name().empty() &&
        !kWordOptions.count(option->get_name())) {
      throw CLI::ValidationError(option->get_name(), "is not an option of --task words");
    }
  }
  if (c.input.path.empty()) throw CLI::ValidationError("--input", "--task words needs --input");
  use_threads(a.threads);
  const Stopwatch watch;

  // fastText's and word2vec's defaults where the user gave none: 100 dims, 5 epochs from lr 0.05,
  // 5 negatives, words seen 5 times, char n-grams 3-6 in 2M buckets; words as the tokenizer
  // makes them (case-folded), neither stemmed nor stop words removed.
  WordTrainingOptions o;
  o.model = w.model;
  o.window = w.window;
  o.sample = w.sample;
  if (given(cmd, "--dim")) o.dim = a.training.model.dim;
  if (given(cmd, "--epochs")) o.epochs = static_cast<int32_t>(a.training.trainer.epochs);
  if (given(cmd, "--lr")) o.lr = a.training.trainer.lr.base_lr;
  if (given(cmd, "--neg")) o.negatives = static_cast<int32_t>(c.negatives);
  if (given(cmd, "--min-count")) o.min_count = a.training.vocabulary.min_count;
  FeaturizerFlags featurizer = a.featurizer;
  FeaturizerConfig& f = featurizer.config;
  if (!given(cmd, "--stem") && !given(cmd, "--no-stem")) f.tokenizer.stem = false;
  if (!given(cmd, "--stop-words") && !given(cmd, "--no-stop-words")) {
    f.tokenizer.remove_stop_words = false;
  }
  if (!given(cmd, "--char-ngram-min")) f.char_ngram_min = o.char_ngram_min;
  if (!given(cmd, "--char-ngram-max"))
    f.char_ngram_max = f.char_ngram_min == 0 ? 0 : o.char_ngram_max;
  if (!given(cmd, "--buckets")) f.buckets = o.buckets;
  const FeaturizerConfig resolved = featurizer.resolve();
  o.tokenizer = resolved.tokenizer;
  o.char_ngram_min = resolved.char_ngram_min;
  o.char_ngram_max = resolved.char_ngram_max;
  o.buckets = resolved.buckets;
  o.hash_seed = resolved.hash_seed;
  o.seed = a.training.trainer.seed;
  check_writable(a.out);

  Progress bar("train", a.quiet ? 0 : -1);
  const std::string path = c.input.path;
  const InvalidUtf8 on_invalid = o.tokenizer.normalize.on_invalid_utf8;
  WordTrainingReport report;
  const Model model = train_word_vectors(
      [&] { return LineSource::open(path, on_invalid); }, o, &report,
      [&](const WordTrainingProgress& p) {
        const double left = p.words_per_second_per_thread > 0
                                ? static_cast<double>(p.total_words - p.words) /
                                      (p.words_per_second_per_thread * num_threads())
                                : 0;
        bar.show(fmt::format("{:5.1f}% {:.0f} words/s/thread, lr {:.5f}, loss {:.4f}, ETA {:.0f} s",
                             100.0 * static_cast<double>(p.words) /
                                 static_cast<double>(std::max<int64_t>(1, p.total_words)),
                             p.words_per_second_per_thread, p.lr, p.loss, left));
      });
  bar.finish();
  model.save(a.out);
  if (!a.quiet) {
    fmt::print(stderr,
               "train: vocabulary of {} words (min count {}) from the {} words of {}, counted in "
               "{:.1f} s\n",
               report.vocabulary, o.min_count, report.corpus_words, path, report.count_seconds);
    fmt::print(stderr,
               "train: {} {} x {} epochs in {:.1f} s: {:.0f} words/s/thread on {} threads, loss "
               "{:.4f}; wrote {} ({:.1f} s in all)\n",
               name_of(o.model), report.corpus_words, o.epochs, report.train_seconds,
               report.words_per_second_per_thread, num_threads(), report.loss, a.out,
               watch.seconds());
  }
}

}  // namespace tessera::cli
