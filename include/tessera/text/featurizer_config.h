// FeaturizerConfig: every option of a Featurizer, as plain data. A model file stores it (as the
// JSON of to_json) next to the vocabulary, and Featurizer::from_config rebuilds the exact same
// featurizer from the two.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tessera/core/enum_names.h"
#include "tessera/text/hashing.h"
#include "tessera/text/tokenizer.h"

namespace tessera {

// How a feature's occurrences in one text become its weight.
enum class FeatureWeighting {
  kCount,      // number of occurrences
  kBinary,     // 1
  kSublinear,  // 1 + ln(count)
};
inline constexpr EnumName<FeatureWeighting> kFeatureWeightingNames[] = {
    {FeatureWeighting::kCount, "count"},
    {FeatureWeighting::kBinary, "binary"},
    {FeatureWeighting::kSublinear, "sublinear"}};
template <>
inline constexpr EnumNames<FeatureWeighting> enum_names<FeatureWeighting> = kFeatureWeightingNames;

// The word that end_word adds to every text; the tokenizer never makes it from text (it drops
// '<', '/' and '>', or splits them off with keep_punctuation).
inline constexpr std::string_view kEndWord = "</s>";

struct FeaturizerConfig {
  TokenizerOptions tokenizer;
  int32_t max_tokens = 0;      // featurize only the first max_tokens tokens; 0: all
  int32_t word_ngrams = 2;     // hashed word n-grams for n = 2..word_ngrams (1: none; max 3)
  int32_t char_ngram_min = 0;  // hashed character n-grams of min..max code points, with '<' '>'
  int32_t char_ngram_max = 0;  //   boundary markers as fastText; 0: none
  int64_t buckets = 262144;    // hash buckets after the vocabulary's ids; 0: no hashed features
  FeatureWeighting weighting = FeatureWeighting::kCount;
  // Every text also holds the vocabulary word kEndWord once (weight 1, in no n-gram), as
  // fastText ends each line with "</s>": its row is a bias every text carries, which gives
  // each label of a classifier its prior. An empty text holds it alone (as in fastText). The
  // only key a config may lack (false), as files made before it do.
  bool end_word = false;
  int32_t hash_version = kCurrentHashVersion;  // see hashing.h
  uint64_t hash_seed = 0;  // mixed into every hashed feature; 0 matches the peer's bigrams

  // Throws tessera::Error naming the first option out of range.
  void validate() const;

  // A JSON object with every option (enums as strings).
  std::string to_json() const;
  // Parses to_json's output. Every key must be present (but end_word) and no other key may be,
  // so a saved model never silently takes a default that changed since; errors name the key.
  static FeaturizerConfig from_json(std::string_view json);

  bool operator==(const FeaturizerConfig&) const;
};

}  // namespace tessera
