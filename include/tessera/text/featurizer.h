// Featurizer: text -> a bag of (feature id, weight), fastText-style (Joulin et al., "Bag of
// Tricks for Efficient Text Classification", 2016; Bojanowski et al., "Enriching Word Vectors
// with Subword Information", 2017).
//
// Features of one text, after tokenization (tokenizer.h):
//   word ids          [0, V): each token in the vocabulary (V = vocabulary size); tokens out of
//                     the vocabulary get no word feature but still take part in n-grams
//   word n-grams      [V, V + buckets): each run of n = 2..word_ngrams consecutive tokens, hashed
//   char n-grams      [V, V + buckets): each n = char_ngram_min..max code-point substring of
//                     "<token>" (except the lone markers "<" and ">"), hashed
// The hashes are hashing.h's, at the config's hash_version and seed. Ids are returned sorted and
// distinct, each with its weight (count, binary or 1 + ln count).
//
// Immutable after construction; featurize and tokens are const and safe from many threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/text/featurizer_config.h"
#include "tessera/text/tokenizer.h"
#include "tessera/text/vocabulary.h"

namespace tessera {

// One text's features: ids ascending and distinct, weights[i] belongs to ids[i].
struct Features {
  std::vector<int32_t> ids;
  std::vector<float> weights;
};

class Featurizer {
 public:
  // Validates config (and that vocabulary size + buckets fits in int32 ids).
  static Featurizer from_config(const FeaturizerConfig& config, Vocabulary vocabulary);

  // `where` (e.g. "queries.jsonl:17") names the input in errors about invalid UTF-8.
  Features featurize(std::string_view text, std::string_view where = {}) const;
  // The tokens featurize sees (after max_tokens), for display.
  std::vector<std::string> tokens(std::string_view text, std::string_view where = {}) const;
  // Features of tokens already produced by tokens().
  Features featurize_tokens(const std::vector<std::string>& tokens) const;
  // The features of every text, featurized in parallel, in order (equal at any thread count). An
  // error about text i names it "source:<first_line + i>: ..." when source is given.
  std::vector<Features> featurize_all(std::span<const std::string> texts,
                                      std::string_view source = {}, int64_t first_line = 1) const;

  // Size of the feature id space: vocabulary size + buckets.
  int64_t num_features() const { return vocabulary_.size() + config_.buckets; }
  const FeaturizerConfig& config() const { return config_; }
  const Vocabulary& vocabulary() const { return vocabulary_; }
  // The id of kEndWord every text holds (config.end_word), or -1.
  int32_t end_word_id() const { return end_word_id_; }

 private:
  Featurizer(const FeaturizerConfig& config, Vocabulary vocabulary);

  FeaturizerConfig config_;
  Vocabulary vocabulary_;
  Tokenizer tokenizer_;
  int32_t end_word_id_ = -1;  // with config.end_word and kEndWord in the vocabulary
};

}  // namespace tessera
