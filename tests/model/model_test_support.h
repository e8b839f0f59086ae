// Helpers for the model tests: a temporary directory and a small model.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include "../core/test_support.h"
#include "tessera/model/model.h"

namespace tessera::testing {

inline Vocabulary small_vocabulary() {
  return Vocabulary::from_counts(
      {{"the", 9}, {"cat", 5}, {"sat", 4}, {"on", 4}, {"mat", 3}, {"dog", 2}, {"ran", 1}});
}

inline FeaturizerConfig small_config(int64_t buckets = 32) {
  FeaturizerConfig config;
  config.buckets = buckets;
  config.word_ngrams = 2;
  return config;
}

inline ModelOptions small_options() {
  ModelOptions options;
  options.dim = 16;
  options.prefixes = {4, 8, 16};
  options.seed = 7;
  return options;
}

}  // namespace tessera::testing
