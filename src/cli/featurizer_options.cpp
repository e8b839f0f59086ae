#include "featurizer_options.h"

#include "options.h"
#include "tessera/core/check.h"

namespace tessera::cli {

FeaturizerConfig FeaturizerFlags::resolve() const {
  FeaturizerConfig c = config;
  c.tokenizer.normalize.case_fold = !no_case_fold;
  c.tokenizer.normalize.nfkc = !nfc_only;
  c.validate();
  return c;
}

void add_tokenizer_options(CLI::App& cmd, FeaturizerFlags& flags) {
  TokenizerOptions& t = flags.config.tokenizer;
  cmd.add_flag("--no-case-fold", flags.no_case_fold,
               "Keep letter case (default: Unicode case folding)");
  cmd.add_flag("--nfc", flags.nfc_only, "NFC instead of NFKC normalization");
  cmd.add_flag("--strip-accents", t.normalize.strip_accents, "Remove accents (combining marks)");
  add_enum_option(cmd, "--on-invalid-utf8", t.normalize.on_invalid_utf8, kInvalidUtf8Help);
  cmd.add_flag("--keep-punctuation", t.keep_punctuation,
               "Keep punctuation and symbols as one-character tokens");
  // Verbs may switch these on by default (train does), so each has its negation.
  cmd.add_flag("--stop-words,!--no-stop-words", t.remove_stop_words,
               "Drop English stop words (Lucene's list)")
      ->capture_default_str();
  cmd.add_flag("--stem,!--no-stem", t.stem, "Snowball stemming")->capture_default_str();
  cmd.add_option("--stemmer", t.stem_algorithm, "Snowball algorithm for --stem")
      ->capture_default_str();
}

void add_featurizer_options(CLI::App& cmd, FeaturizerFlags& flags) {
  add_tokenizer_options(cmd, flags);
  FeaturizerConfig& c = flags.config;
  cmd.add_option("--max-tokens", c.max_tokens, "Featurize only the first N tokens (0: all)")
      ->check(non_negative())
      ->capture_default_str();
  cmd.add_option("--word-ngrams", c.word_ngrams, "Hashed word n-grams up to this n (1: none)")
      ->check(CLI::Range(1, 3))
      ->capture_default_str();
  cmd.add_option("--char-ngram-min", c.char_ngram_min, "Shortest hashed character n-gram (0: none)")
      ->check(non_negative())
      ->capture_default_str();
  cmd.add_option("--char-ngram-max", c.char_ngram_max, "Longest hashed character n-gram")
      ->check(non_negative())
      ->capture_default_str();
  cmd.add_option("--buckets", c.buckets, "Hash buckets for n-grams (0: no hashed features)")
      ->check(non_negative())
      ->capture_default_str();
  add_enum_option(cmd, "--weighting", c.weighting, "Feature weight: count, binary or sublinear");
  cmd.add_option("--hash-seed", c.hash_seed, "Seed mixed into hashed features")
      ->capture_default_str();
}

}  // namespace tessera::cli
