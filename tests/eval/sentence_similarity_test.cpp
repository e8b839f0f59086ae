// Sentence vectors from word vectors (mean and SIF) and STS scoring.
#include "tessera/eval/sentence_similarity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tessera/train/word_training.h"

namespace tessera {
namespace {

// Three words on axes; "the" frequent, the others rare (a trained model's counts stand in).
Model toy_model() {
  const WordVectors table = WordVectors::read(
      LineSource::from_memory("toy.vec", "the 1 0 0\ncat 0 1 0\ndog 0 0.9 0.1\ncar 0 0 1\n"));
  return word_model_from_vectors(table, "toy.vec");
}

TEST(SentenceVectors, MeanIsThePlainAverageOfTheWordsWithVectors) {
  const Model model = toy_model();
  SentenceVectorOptions mean;
  mean.pooling = SentencePooling::kMean;
  const Tensor v = sentence_vectors(ModelWordVectors(model, std::string(kWordTower)),
                                    {"The cat unicorn", "unicorn", ""}, mean);
  EXPECT_FLOAT_EQ(v.row(0)[0], 0.5f);  // "The" found case-folded, "unicorn" skipped
  EXPECT_FLOAT_EQ(v.row(0)[1], 0.5f);
  EXPECT_FLOAT_EQ(v.row(1)[0], 0.0f);  // no word with a vector: zeros
  EXPECT_FLOAT_EQ(v.row(2)[2], 0.0f);
}

TEST(SentenceVectors, SifWeighsDownFrequentWordsAndRemovesTheSharedComponent) {
  const Model model = toy_model();  // counts 4, 3, 2, 1 (file order) for the, cat, dog, car
  const std::vector<std::string> texts{"the cat", "the dog", "the car"};
  SentenceVectorOptions sif;
  sif.sif_a = 0.1;
  const Tensor v = sentence_vectors(ModelWordVectors(model, std::string(kWordTower)), texts, sif);
  // Every sentence holds "the": the shared direction is mostly the first axis, removed.
  for (int64_t r = 0; r < 3; ++r) EXPECT_LT(std::abs(v.row(r)[0]), 0.05f) << r;
  // What is left tells cat from car.
  EXPECT_GT(std::abs(v.row(0)[1]), 0.05f);
  EXPECT_GT(std::abs(v.row(2)[2]), 0.05f);
}

TEST(Sts, CosinesRankedAgainstScores) {
  const Model model = toy_model();
  const std::vector<ScoredPair> pairs{
      {"cat", "dog", 4.5, 1}, {"cat", "car", 0.5, 2}, {"dog", "car", 1.0, 3}};
  SentenceVectorOptions mean;
  mean.pooling = SentencePooling::kMean;
  const StsResult r = evaluate_sts(ModelWordVectors(model, std::string(kWordTower)), pairs, mean);
  EXPECT_EQ(r.pairs, 3);
  EXPECT_NEAR(r.spearman, 100.0, 1e-9);  // cos 0.99 > 0.11 > 0
}

}  // namespace
}  // namespace tessera
