// keep_best_sorted and rank_best against a plain sort with the pair comparator: the 64-bit key
// path (float scores, ids below 2^32) and the pair path must rank alike, ties and signed zeros
// included.
#include "../../src/index/top_k_collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "../core/test_support.h"

namespace tessera::index_detail {
namespace {

using Candidates = std::vector<ScoredId<float>>;

template <typename Order>
Candidates expected_best(Candidates candidates, size_t k) {
  std::sort(candidates.begin(), candidates.end(), BetterCandidate<float, Order>());
  candidates.resize(std::min(k, candidates.size()));
  return candidates;
}

void expect_same(const Candidates& actual, const Candidates& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].id, expected[i].id) << "rank " << i;
    EXPECT_EQ(actual[i].score, expected[i].score) << "rank " << i;
  }
}

// Scores from a small set, so ties are common; -0 and +0 compare equal and tie by id.
Candidates random_candidates(size_t n, int64_t id_offset, testing::Rng& rng) {
  const float values[] = {-2.5f, -1.0f, -0.0f, 0.0f, 0.25f, 1.0f, 3.0f};
  Candidates candidates;
  for (size_t i = 0; i < n; ++i) {
    candidates.push_back({values[rng.index(7)], id_offset + rng.index(1000)});
  }
  return candidates;
}

// Sizes for every register count of small_sort.h and on both sides of kRadixSortMin and
// kSmallSortMax; KeptOrder::kAny keeps the same set (radix select).
template <typename Order>
void check_order(int64_t id_offset) {
  testing::Rng rng(31);
  std::vector<uint64_t> keys;
  for (const size_t n : {1, 7, 9, 20, 33, 63, 64, 100, 128, 129, 333, 2000}) {
    for (const size_t k : {1, 10, 100, 400}) {
      SCOPED_TRACE(::testing::Message() << "n " << n << " k " << k);
      Candidates candidates = random_candidates(n, id_offset, rng);
      Candidates any = candidates;
      const Candidates expected = expected_best<Order>(candidates, k);
      // rank_best: the same candidates as arrays, with slots of id -1 among them.
      std::vector<float> scores;
      std::vector<int64_t> ids;
      for (const ScoredId<float>& c : candidates) {
        scores.push_back(c.score);
        ids.push_back(c.id);
        if (rng.index(5) == 0) {
          scores.push_back(9.0f);
          ids.push_back(-1);
        }
      }
      std::vector<float> out_scores(k);
      std::vector<int64_t> out_ids(k);
      Candidates fallback;
      const size_t kept = rank_best<Order>(scores.data(), ids.data(), ids.size(), k,
                                           out_scores.data(), out_ids.data(), keys, fallback);
      Candidates ranked;
      for (size_t i = 0; i < kept; ++i) ranked.push_back({out_scores[i], out_ids[i]});
      expect_same(ranked, expected);
      keep_best_sorted<float, Order>(candidates, k, keys);
      expect_same(candidates, expected);
      keep_best_sorted<float, Order>(any, k, keys, KeptOrder::kAny);
      std::sort(any.begin(), any.end(), BetterCandidate<float, Order>());
      expect_same(any, expected);
    }
  }
}

// Distinct keys that differ only in one byte, or in the last bit, or in the high bytes: the radix
// passes and the select's descent into one bin.
TEST(RadixKeys, SortAndSelectAgreeWithStdSort) {
  testing::Rng rng(32);
  for (const int shift : {0, 7, 8, 31, 32, 56}) {
    for (const size_t n : {2, 65, 300}) {
      std::vector<uint64_t> keys(2 * n);
      for (size_t i = 0; i < n; ++i) {
        keys[i] = (uint64_t{0xabcdef} << 8) ^ (static_cast<uint64_t>(rng.index(1 << 20)) << shift);
      }
      std::vector<uint64_t> expected(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n));
      std::sort(expected.begin(), expected.end());
      std::vector<uint64_t> sorted = keys;
      radix_sort_keys(sorted, n);
      EXPECT_TRUE(std::equal(expected.begin(), expected.end(), sorted.begin()))
          << shift << " " << n;
      const size_t k = n / 2;
      radix_select_keys(keys, n, k);
      std::sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(k));
      EXPECT_TRUE(std::equal(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(k),
                             keys.begin()))
          << shift << " " << n;
    }
  }
}

TEST(KeepBestSorted, HigherScoresFirstAsOneKeyEach) { check_order<HigherScoreFirst>(0); }

TEST(KeepBestSorted, LowerDistancesFirstAsOneKeyEach) { check_order<LowerDistanceFirst>(0); }

TEST(KeepBestSorted, IdsFromTwoToThe32RankByPairs) {
  check_order<HigherScoreFirst>(int64_t{1} << 32);
}

}  // namespace
}  // namespace tessera::index_detail
