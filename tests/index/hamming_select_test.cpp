// The Hamming scan's selection steps against plain loops: every build (tests/CMakeLists.txt runs
// these again with TESSERA_SIMD=generic) must collect, rank and keep the same entries, for runs
// that are not multiples of 32 lanes, thresholds at both ends and removed codes. Outputs get
// exactly the slack the header promises, so a write past it shows under ASan.
#include "../../src/index/hamming_select.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "../core/test_support.h"

namespace tessera::index_detail {
namespace {

using testing::Rng;

// Distances clustered on a few values, as Hamming distances of similar codes are: many ties.
std::vector<uint16_t> random_distances(int64_t n, int32_t max_distance, Rng& rng) {
  std::vector<uint16_t> distances(static_cast<size_t>(n));
  for (uint16_t& d : distances) {
    d = static_cast<uint16_t>(std::min(max_distance, 40 + rng.index(12) + rng.index(12)));
  }
  return distances;
}

TEST(HammingSelect, CollectsTheCodesBelowTheThreshold) {
  Rng rng(31);
  const HammingSelect& select = hamming_select();
  for (const int64_t n : {0, 1, 31, 32, 33, 100, 256}) {
    const std::vector<uint16_t> distances = random_distances(n, 256, rng);
    std::vector<uint8_t> removed(static_cast<size_t>(n + 1000));
    for (uint8_t& flag : removed) flag = rng.index(5) == 0 ? 1 : 0;
    for (const int32_t threshold : {0, 1, 45, 52, 257}) {
      for (const bool with_removed : {false, true}) {
        SCOPED_TRACE(::testing::Message()
                     << "n " << n << " threshold " << threshold << " removed " << with_removed);
        const int64_t first = 1000;  // ids from here, and removed read from here
        std::vector<uint16_t> expected_distances;
        std::vector<int64_t> expected_ids;
        for (int64_t i = 0; i < n; ++i) {
          if (distances[static_cast<size_t>(i)] < threshold &&
              !(with_removed && removed[static_cast<size_t>(first + i)] != 0)) {
            expected_distances.push_back(distances[static_cast<size_t>(i)]);
            expected_ids.push_back(first + i);
          }
        }
        std::vector<uint16_t> out_distances(static_cast<size_t>(n + kSelectSlack));
        std::vector<int64_t> out_ids(static_cast<size_t>(n + kSelectSlack));
        const int64_t count = select.collect(distances.data(), n, first, threshold,
                                             with_removed ? removed.data() : nullptr,
                                             out_distances.data(), out_ids.data());
        ASSERT_EQ(count, std::ssize(expected_ids));
        out_distances.resize(static_cast<size_t>(count));
        out_ids.resize(static_cast<size_t>(count));
        EXPECT_EQ(out_distances, expected_distances);
        EXPECT_EQ(out_ids, expected_ids);
      }
    }
  }
}

TEST(HammingSelect, FindsTheKthDistanceAndKeepsTheFirstTies) {
  Rng rng(32);
  const HammingSelect& select = hamming_select();
  for (const int64_t n : {1, 7, 32, 65, 300, 700}) {
    for (const int32_t max_distance : {64, 256, 65535}) {
      const std::vector<uint16_t> distances = random_distances(n, max_distance, rng);
      std::vector<uint16_t> sorted = distances;
      std::sort(sorted.begin(), sorted.end());
      for (const int64_t rank : {int64_t{1}, (n + 1) / 2, n}) {
        SCOPED_TRACE(::testing::Message()
                     << "n " << n << " max " << max_distance << " rank " << rank);
        const KthDistance kth = select.kth_distance(distances.data(), n, rank, max_distance);
        const int32_t t = sorted[static_cast<size_t>(rank - 1)];
        ASSERT_EQ(kth.distance, t);
        ASSERT_EQ(kth.below, std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin());

        // Keep the rank nearest: all below t, then the first ties (lowest positions).
        std::vector<uint16_t> expected_distances;
        std::vector<int64_t> expected_ids;
        int64_t ties = rank - kth.below;
        for (int64_t i = 0; i < n; ++i) {
          const uint16_t d = distances[static_cast<size_t>(i)];
          if (d < t || (d == t && ties-- > 0)) {
            expected_distances.push_back(d);
            expected_ids.push_back(5 * i);
          }
        }
        std::vector<uint16_t> kept_distances(static_cast<size_t>(n + kSelectSlack));
        std::vector<int64_t> kept_ids(static_cast<size_t>(n + kSelectSlack));
        std::copy(distances.begin(), distances.end(), kept_distances.begin());
        for (int64_t i = 0; i < n; ++i) kept_ids[static_cast<size_t>(i)] = 5 * i;
        const int64_t kept =
            select.keep(kept_distances.data(), kept_ids.data(), n, t, rank - kth.below);
        ASSERT_EQ(kept, rank);
        kept_distances.resize(static_cast<size_t>(kept));
        kept_ids.resize(static_cast<size_t>(kept));
        EXPECT_EQ(kept_distances, expected_distances);
        EXPECT_EQ(kept_ids, expected_ids);
      }
    }
  }
}

TEST(HammingSelect, TellsWhichBuildRuns) {
  const char* forced = std::getenv("TESSERA_SIMD");
  const std::string_view simd = forced == nullptr ? "" : forced;
  const std::string_view name = hamming_select().name;
  if (simd == "generic" || simd == "avx2") {
    EXPECT_EQ(name, "generic");
  } else {
    EXPECT_TRUE(name == "avx512" || name == "generic") << name;
  }
}

}  // namespace
}  // namespace tessera::index_detail
