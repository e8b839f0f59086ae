// exact_top_k against the naive oracle. Vectors hold small integers, so every dot product is
// exact in float and ties are common: ids must match exactly, ties by the lower id.
#include "tessera/index/exact_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "../core/test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::Rng;
using testing::ScopedNumThreads;

Tensor integer_tensor(int64_t rows, int64_t cols, Rng& rng, int32_t spread = 2) {
  Tensor t = Tensor::empty({rows, cols});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      t.row(r)[c] = static_cast<float>(rng.index(2 * spread + 1) - spread);
    }
  }
  return t;
}

void expect_same(const TopK& actual, const TopK& expected) {
  ASSERT_EQ(actual.num_queries, expected.num_queries);
  ASSERT_EQ(actual.k, expected.k);
  for (int64_t q = 0; q < actual.num_queries; ++q) {
    for (int64_t j = 0; j < actual.k; ++j) {
      const auto slot = static_cast<size_t>(q * actual.k + j);
      ASSERT_EQ(actual.ids[slot], expected.ids[slot]) << "query " << q << " rank " << j;
      ASSERT_EQ(actual.scores[slot], expected.scores[slot]) << "query " << q << " rank " << j;
    }
  }
}

TEST(ExactTopK, MatchesNaiveAcrossBlocksWithTies) {
  Rng rng(11);
  // 3000 base rows span several base blocks; 70 queries several query blocks.
  const Tensor base = integer_tensor(3000, 16, rng);
  const Tensor queries = integer_tensor(70, 16, rng);
  const TopK expected = exact_top_k_naive(queries, base, 25);
  expect_same(exact_top_k(queries, base, 25), expected);
  // Many ties at the cut: consecutive equal scores keep ascending ids.
  int64_t ties = 0;
  for (int64_t j = 1; j < expected.k; ++j) {
    if (expected.scores[static_cast<size_t>(j)] == expected.scores[static_cast<size_t>(j - 1)]) {
      ++ties;
      EXPECT_LT(expected.ids[static_cast<size_t>(j - 1)], expected.ids[static_cast<size_t>(j)]);
    }
  }
  EXPECT_GT(ties, 0);
}

TEST(ExactTopK, DeepResultsFromAGuessedThresholdMatchNaive) {
  Rng rng(13);
  // k >= 32 over >= 1024 rows: each query's threshold starts from a sample of the base.
  const Tensor base = integer_tensor(3000, 16, rng);
  const Tensor queries = integer_tensor(40, 16, rng);
  for (const int64_t k : {32, 100, 400}) {
    SCOPED_TRACE(k);
    expect_same(exact_top_k(queries, base, k), exact_top_k_naive(queries, base, k));
  }
}

TEST(ExactTopK, ATooTightGuessFallsBackToAFullScan) {
  Rng rng(14);
  // The first sampled run (rows 0-63) holds 10 copies of the query: the guess is then the score
  // of a sampled random row that few others beat, and fewer than k rows pass it.
  Tensor base = integer_tensor(2000, 16, rng);
  const Tensor queries = integer_tensor(1, 16, rng);
  for (int64_t r = 0; r < 10; ++r) {
    for (int64_t c = 0; c < 16; ++c) base.row(5 * r)[c] = 4 * queries.row(0)[c];
  }
  expect_same(exact_top_k(queries, base, 40), exact_top_k_naive(queries, base, 40));
}

TEST(ExactTopK, SameResultWithOneOrTwoThreads) {
  Rng rng(12);
  const Tensor base = testing::random_tensor({2000, 48}, rng);
  const Tensor queries = testing::random_tensor({100, 48}, rng);
  TopK one, two;
  {
    ScopedNumThreads threads(1);
    one = exact_top_k(queries, base, 10);
  }
  {
    ScopedNumThreads threads(2);
    two = exact_top_k(queries, base, 10);
  }
  expect_same(one, two);
  // Real-valued data against the double-precision oracle: scores to float rounding.
  const TopK naive = exact_top_k_naive(queries, base, 10);
  for (size_t i = 0; i < naive.scores.size(); ++i) {
    EXPECT_NEAR(one.scores[i], naive.scores[i], 1e-4);
  }
}

TEST(ExactTopK, PrefixViewsAndOddDims) {
  Rng rng(13);
  const Tensor base = integer_tensor(500, 40, rng);
  const Tensor queries = integer_tensor(33, 40, rng);
  // Matryoshka prefixes are views with a row stride.
  expect_same(exact_top_k(queries.prefix_cols(13), base.prefix_cols(13), 7),
              exact_top_k_naive(queries.prefix_cols(13).clone(), base.prefix_cols(13).clone(), 7));
}

TEST(ExactTopK, PadsWhenTheBaseIsSmallerThanK) {
  const Tensor base = Tensor::from({3, 2}, {1, 0, 0, 1, 1, 1});
  const Tensor queries = Tensor::from({1, 2}, {1, 0.5f});
  const TopK top = exact_top_k(queries, base, 5);
  EXPECT_EQ(std::vector<int64_t>(top.ids.begin(), top.ids.end()),
            (std::vector<int64_t>{2, 0, 1, -1, -1}));
  EXPECT_FLOAT_EQ(top.scores[0], 1.5f);
  EXPECT_FLOAT_EQ(top.scores[1], 1.0f);
  EXPECT_FLOAT_EQ(top.scores[2], 0.5f);
  EXPECT_EQ(top.scores[3], -std::numeric_limits<float>::infinity());
  expect_same(top, exact_top_k_naive(queries, base, 5));
}

TEST(ExactTopK, EmptyBaseAndNoQueries) {
  const TopK none = exact_top_k(Tensor::zeros({2, 4}), Tensor::zeros({0, 4}), 3);
  EXPECT_EQ(none.ids, std::vector<int64_t>(6, -1));
  const TopK empty = exact_top_k(Tensor::zeros({0, 4}), Tensor::zeros({5, 4}), 3);
  EXPECT_EQ(empty.num_queries, 0);
  EXPECT_TRUE(empty.ids.empty());
}

TEST(ExactTopK, RejectsBadShapes) {
  EXPECT_NE(error_message([] {
              exact_top_k(Tensor::zeros({2, 4}), Tensor::zeros({3, 5}), 1);
            }).find("dims"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              exact_top_k(Tensor::zeros({2, 4}), Tensor::zeros({3, 4}), 0);
            }).find("k must be"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
