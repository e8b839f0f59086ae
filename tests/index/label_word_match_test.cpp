// LabelWordMatch: the share of a label description's words a text holds, over vocabulary words
// only (no hashed n-gram, not the end word every text holds).
#include "../../src/index/label_word_match.h"

#include <gtest/gtest.h>

#include "tessera/text/featurizer.h"

namespace tessera {
namespace {

using Matches = std::vector<std::pair<int32_t, float>>;

Bags bags_of(const Featurizer& featurizer, const std::vector<std::string>& texts) {
  Bags bags;
  for (const Features& f : featurizer.featurize_all(texts)) bags.add(f.ids, f.weights);
  return bags;
}

TEST(LabelWordMatch, SharesOfTheDescriptionsWordsTheTextHolds) {
  FeaturizerConfig config;
  config.word_ngrams = 2;
  config.buckets = 64;
  config.end_word = true;
  const Vocabulary vocabulary = Vocabulary::from_counts(
      {{"the", 9}, {"cat", 5}, {"sat", 4}, {"mat", 3}, {"dog", 2}, {std::string(kEndWord), 9}});
  const Featurizer featurizer = Featurizer::from_config(config, vocabulary);
  const std::vector<std::string> descriptions = {
      "cat sat",         // half held by "the cat ran"
      "the dog",         // half
      "unheard of mat",  // words out of the vocabulary count for nothing: all of it (mat)
      "cat cat",         // one word, held
      "ran away",        // no vocabulary word: never matched
      "the cat"};        // its bigram is no word: both words, so all of it
  const index_detail::LabelWordMatch match(featurizer, bags_of(featurizer, descriptions));
  const Bags texts = bags_of(featurizer, {"the cat ran", "mat", "", "nothing known"});
  Matches out = {{9, 9.0f}};  // overwritten
  std::vector<int32_t> hits;
  match.match(texts, 0, out, hits);
  EXPECT_EQ(out, (Matches{{0, 0.5f}, {1, 0.5f}, {3, 1.0f}, {5, 1.0f}}));
  match.match(texts, 1, out, hits);
  EXPECT_EQ(out, (Matches{{2, 1.0f}}));
  // Every text holds the end word, and no label matches through it.
  match.match(texts, 2, out, hits);
  EXPECT_TRUE(out.empty());
  match.match(texts, 3, out, hits);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace tessera
