// The command-line options that configure a Featurizer (shared by every verb that featurizes
// text): registered on a verb, then turned into a FeaturizerConfig once parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "tessera/text/featurizer_config.h"

namespace tessera::cli {

struct FeaturizerFlags {
  FeaturizerConfig config;
  bool no_case_fold = false;
  bool nfc_only = false;

  // The config with the negated flags applied, validated.
  FeaturizerConfig resolve() const;
};

// Adds --word-ngrams, --char-ngrams, --buckets, --stem, --stop-words, ... to cmd.
void add_featurizer_options(CLI::App& cmd, FeaturizerFlags& flags);
// Only the options of the tokenizer (normalization, punctuation, stop words, stemming).
void add_tokenizer_options(CLI::App& cmd, FeaturizerFlags& flags);

}  // namespace tessera::cli
