#include "tessera/eval/pair_accuracy.h"

#include <gtest/gtest.h>

#include "../model/model_test_support.h"

namespace tessera {
namespace {

TextPair pair(std::string query, std::string positive) {
  TextPair p;
  p.query = std::move(query);
  p.positive = std::move(positive);
  return p;
}

TEST(PairAccuracy, CountsQueriesWhoseOwnPositiveIsNearest) {
  const Model model =
      Model::create(testing::small_config(), testing::small_vocabulary(), testing::small_options());
  // A query equal to its positive scores cosine 1 with it: nearest, whatever the weights.
  EXPECT_DOUBLE_EQ(pair_accuracy(model, {pair("the cat", "the cat"), pair("dog ran", "dog ran"),
                                         pair("sat on mat", "sat on mat")}),
                   1.0);
  // Queries equal to the other pair's positive: never their own.
  EXPECT_DOUBLE_EQ(pair_accuracy(model, {pair("dog ran", "the cat"), pair("the cat", "dog ran")}),
                   0.0);
  EXPECT_DOUBLE_EQ(pair_accuracy(model, {pair("the cat", "the cat"), pair("the cat", "dog ran")}),
                   0.5);
  EXPECT_DOUBLE_EQ(
      pair_accuracy(model, {pair("the cat", "the cat"), pair("dog ran", "dog ran")}, 4), 1.0);
  EXPECT_THROW(pair_accuracy(model, {}), Error);
}

}  // namespace
}  // namespace tessera
