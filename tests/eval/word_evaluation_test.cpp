// Word similarity (Spearman over covered and all pairs) and analogies (3CosAdd, 3CosMul).
#include "tessera/eval/word_evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../data/data_test_support.h"

namespace tessera {
namespace {

TableWordVectors table(const std::string& text) {
  return TableWordVectors(WordVectors::read(LineSource::from_memory("t.vec", text)));
}

TEST(Spearman, RanksWithTiesAsScipyDoes) {
  const std::vector<double> x{1, 2, 3, 4};
  const std::vector<double> up{10, 20, 30, 40};
  const std::vector<double> down{4, 3, 2, 1};
  EXPECT_DOUBLE_EQ(spearman_correlation(x, up), 1.0);
  EXPECT_DOUBLE_EQ(spearman_correlation(x, down), -1.0);
  // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]).statistic
  const std::vector<double> tied{1, 2, 2, 3};
  const std::vector<double> other{1, 3, 2, 4};
  EXPECT_NEAR(spearman_correlation(tied, other), 0.9486832980505138, 1e-12);
  const std::vector<double> constant{5, 5, 5, 5};
  EXPECT_EQ(spearman_correlation(x, constant), 0.0);
  EXPECT_EQ(spearman_correlation(std::vector<double>{1}, std::vector<double>{2}), 0.0);
}

TEST(WordSimilarity, CoveredPairsAndAllPairsWithNullVectors) {
  // cat ~ dog, car far from both; "Dog" in a pair is found by case folding.
  const TableWordVectors vectors = table("cat 1 0.1\ndog 1 0.2\ncar 0 1\n");
  const std::vector<WordPair> pairs{
      {"cat", "Dog", 9, 1}, {"cat", "car", 2, 2}, {"dog", "car", 3, 3}, {"cat", "unicorn", 1, 4}};
  const WordSimilarityResult r = evaluate_word_similarity(vectors, pairs, "toy");
  EXPECT_EQ(r.name, "toy");
  EXPECT_EQ(r.pairs, 4);
  EXPECT_EQ(r.covered, 3);
  EXPECT_EQ(r.with_vectors, 3);
  EXPECT_NEAR(r.spearman_covered, 100.0,
              1e-9);  // 9 > 3 > 2 and cos(cat, dog) > cos(dog, car) > cos(cat, car)
  // All pairs: the unicorn pair scores 0, below every covered pair's cosine, and its human
  // score is the lowest too: still perfectly ranked.
  EXPECT_NEAR(r.spearman_all, 100.0, 1e-9);
}

TEST(Analogies, FindsTheFourthWordAndSkipsWhatIsNotCovered) {
  // man : king :: woman : queen with king - man + woman == queen exactly; distractors around.
  const TableWordVectors vectors = table(
      "man 1 0 0 0\n"
      "woman 0 1 0 0\n"
      "king 1 0 1 0\n"
      "Queen 0 1 1 0\n"
      "apple 0 0 0 1\n"
      "pear 0.1 0 0 1\n"
      "rare 0 0.7 0.7 0\n");
  AnalogySet set;
  set.sections = {"family", "gram-fruit"};
  set.questions = {{"man", "king", "woman", "queen", 0},
                   {"MAN", "KING", "woman", "queen", 0},  // case-folded
                   {"man", "king", "woman", "unicorn", 0},
                   {"apple", "pear", "apple", "pear", 1}};  // the answer is an input: never right
  AnalogyOptions options;
  AnalogyResult r = evaluate_analogies(vectors, set, options);
  EXPECT_EQ(r.vocabulary, 7);
  ASSERT_EQ(r.sections.size(), 2u);
  EXPECT_FALSE(r.sections[0].syntactic);
  EXPECT_TRUE(r.sections[1].syntactic);
  EXPECT_EQ(r.sections[0].questions, 3);
  EXPECT_EQ(r.sections[0].covered, 2);
  EXPECT_EQ(r.sections[0].correct_add, 2);
  EXPECT_EQ(r.sections[0].correct_mul, 2);
  EXPECT_EQ(r.sections[1].covered, 1);
  EXPECT_EQ(r.sections[1].correct_add, 0);
  EXPECT_EQ(r.total.questions, 4);
  EXPECT_EQ(r.semantic.covered, 2);
  EXPECT_EQ(r.syntactic.covered, 1);
  // Candidates are the first words only: without "Queen" (row 3) no family question is covered.
  options.vocabulary = 3;
  r = evaluate_analogies(vectors, set, options);
  EXPECT_EQ(r.vocabulary, 3);
  EXPECT_EQ(r.total.covered, 0);
}

TEST(Analogies, TheFirstOfSeveralCaseVariantsIsTheCandidate) {
  const TableWordVectors vectors = table("Paris 1 0\nparis 0 1\nfrance 1 1\n");
  AnalogySet set;
  set.sections = {"s"};
  set.questions = {{"france", "paris", "france", "paris", 0}};
  const AnalogyResult r = evaluate_analogies(vectors, set);
  EXPECT_EQ(r.vocabulary, 2);  // "Paris" and "france"
  EXPECT_EQ(r.total.covered, 1);
}

}  // namespace
}  // namespace tessera
