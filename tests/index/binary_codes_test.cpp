// Sign codes against hand-packed bytes (numpy.packbits layout), Hamming top-k against the
// bit-by-bit oracle.
#include "tessera/index/binary_codes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "../../src/index/hamming_distances.h"
#include "../core/test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::Rng;
using testing::ScopedNumThreads;

TEST(PackSignBits, MostSignificantBitFirstLikeNumpyPackbits) {
  // numpy.packbits(x > 0, axis=1) of these rows is [[143, 0], [127, 128]]: zero is a 0 bit.
  const Tensor x = Tensor::from({2, 9}, {1, -1, 0, -0.5f, 2, 2, 2, 2, -1,  //
                                         -3, 0.1f, 1, 1, 1, 1, 1, 1, 0.5f});
  const BinaryCodes codes = pack_sign_bits(x);
  EXPECT_EQ(codes.size, 2);
  EXPECT_EQ(codes.bits, 9);
  EXPECT_EQ(codes.code_bytes, 2);
  EXPECT_EQ(codes.data, (std::vector<uint8_t>{143, 0, 127, 128}));
  const BinaryCodes base = pack_sign_bits(x.slice_rows(1, 2));
  const HammingTopK top = hamming_top_k(pack_sign_bits(x.slice_rows(0, 1)), base, 1);
  EXPECT_EQ(top.distances[0], 5);  // 143 ^ 127 = 0b11110000 (4 bits), plus the last bit
}

TEST(PackSignBits, ReadsPrefixViews) {
  const Tensor x = Tensor::from({2, 4}, {1, -1, 1, -1, -1, 1, -1, 1});
  EXPECT_EQ(pack_sign_bits(x.prefix_cols(2)).data, (std::vector<uint8_t>{0x80, 0x40}));
}

BinaryCodes random_codes(int64_t n, int64_t bits, Rng& rng) {
  Tensor x = Tensor::empty({n, bits});
  // A bias towards positive values makes codes similar, so equal distances are common.
  testing::fill_random(x, rng, -0.3f, 1.0f);
  return pack_sign_bits(x);
}

void expect_same(const HammingTopK& actual, const HammingTopK& expected) {
  ASSERT_EQ(actual.ids.size(), expected.ids.size());
  for (size_t i = 0; i < actual.ids.size(); ++i) {
    ASSERT_EQ(actual.ids[i], expected.ids[i]) << "slot " << i;
    ASSERT_EQ(actual.distances[i], expected.distances[i]) << "slot " << i;
  }
}

// 256-bit codes word-major (what BinaryIndex hands the AVX-512 scan): the same results, for
// bases that end inside a block of 8 codes and inside a chunk, with and without a guess.
TEST(HammingTopK, WordMajorCodesMatchNaive) {
  if (index_detail::word_major_distances_kernel() == nullptr) GTEST_SKIP() << "no AVX-512 here";
  Rng rng(21);
  for (const int64_t n : {5, 300, 3001}) {
    Tensor x = Tensor::empty({n + 9, 256});
    for (int64_t r = 0; r < x.rows(); ++r) {
      for (int64_t c = 0; c < 256; ++c) x.row(r)[c] = rng.uniform(-1, 1);
    }
    const BinaryCodes base = pack_sign_bits(x.slice_rows(0, n));
    const BinaryCodes queries = pack_sign_bits(x.slice_rows(n, n + 9));
    const index_detail::WordMajorCodes words(base.data.data(), base.size);
    for (const int64_t k : {1, 50}) {
      SCOPED_TRACE(::testing::Message() << "n " << n << " k " << k);
      expect_same(hamming_top_k(queries, base, k, nullptr, &words),
                  hamming_top_k_naive(queries, base, k));
    }
  }
}

TEST(HammingTopK, MatchesNaiveForManyCodeWidths) {
  Rng rng(21);
  // Every kernel path: 8, 16 and 32-byte codes (several codes a register), multiples of 64 bytes
  // (512, 1024 bits), and the rest; 1499 codes leave a tail after the last group of eight.
  for (const int64_t bits : {5, 13, 64, 100, 128, 192, 256, 512, 1024}) {
    SCOPED_TRACE(bits);
    const BinaryCodes base = random_codes(1499, bits, rng);
    const BinaryCodes queries = random_codes(45, bits, rng);
    for (const int64_t k : {1, 20, 150}) {
      SCOPED_TRACE(k);
      expect_same(hamming_top_k(queries, base, k), hamming_top_k_naive(queries, base, k));
    }
  }
}

// Unsorted results (a funnel's shortlist) hold the same ids and distances, removed codes left out;
// k 1200 takes reservoirs not kept between searches.
TEST(HammingTopK, UnsortedResultsHoldTheSameNearest) {
  Rng rng(24);
  for (const auto& [bits, k] : {std::pair<int64_t, int64_t>{64, 100}, {256, 100}, {256, 1200}}) {
    const BinaryCodes base = random_codes(3000, bits, rng);
    const BinaryCodes queries = random_codes(40, bits, rng);
    std::vector<uint8_t> removed(3000);
    for (uint8_t& flag : removed) flag = rng.index(4) == 0 ? 1 : 0;
    const HammingTopK sorted = hamming_top_k(queries, base, k, removed.data());
    const HammingTopK unsorted = hamming_top_k(queries, base, k, removed.data(), nullptr, false);
    for (int64_t q = 0; q < queries.size; ++q) {
      std::vector<std::pair<int32_t, int64_t>> a, b;
      for (int64_t j = 0; j < k; ++j) {
        a.emplace_back(sorted.distances_of(q)[static_cast<size_t>(j)],
                       sorted.ids_of(q)[static_cast<size_t>(j)]);
        b.emplace_back(unsorted.distances_of(q)[static_cast<size_t>(j)],
                       unsorted.ids_of(q)[static_cast<size_t>(j)]);
        ASSERT_EQ(removed[static_cast<size_t>(a.back().second)], 0);
      }
      ASSERT_TRUE(std::is_sorted(a.begin(), a.end()));
      std::sort(b.begin(), b.end());
      ASSERT_EQ(a, b) << "bits " << bits << " query " << q;
    }
  }
}

TEST(HammingTopK, ATooTightGuessFallsBackToAFullScan) {
  Rng rng(23);
  // The first sampled run (codes 0-63) holds 10 copies of the query and every other code is
  // far: the sample's guess lets only those 10 through, fewer than k.
  Tensor x = Tensor::empty({1500, 64});
  testing::fill_random(x, rng, -1.0f, 1.0f);
  Tensor query = Tensor::empty({1, 64});
  query.fill(1.0f);
  for (int64_t r = 0; r < 10; ++r) {
    for (int64_t c = 0; c < 64; ++c) x.row(3 * r)[c] = 1.0f;
  }
  const BinaryCodes base = pack_sign_bits(x);
  const BinaryCodes codes = pack_sign_bits(query);
  expect_same(hamming_top_k(codes, base, 30), hamming_top_k_naive(codes, base, 30));
}

TEST(HammingTopK, TellsWhichKernelRuns) {
  // tests/CMakeLists.txt runs these tests again with TESSERA_SIMD=avx2 and =generic.
  const std::string_view name = hamming_kernel();
  const char* forced = std::getenv("TESSERA_SIMD");
  const std::string_view simd = forced == nullptr ? "" : forced;
  if (simd == "generic") {
    EXPECT_EQ(name, "generic");
  } else if (simd == "avx2") {
    EXPECT_EQ(name, "popcnt");
  } else {
    EXPECT_TRUE(name == "avx512-vpopcntdq" || name == "popcnt") << name;
  }
}

TEST(HammingTopK, BlocksSpanningTheBaseAndThreadCounts) {
  Rng rng(22);
  // 32-byte codes, 8192 per base block: 20000 codes cross two block boundaries.
  const BinaryCodes base = random_codes(20000, 256, rng);
  const BinaryCodes queries = random_codes(70, 256, rng);
  const HammingTopK naive = hamming_top_k_naive(queries, base, 11);
  ScopedNumThreads one(1);
  expect_same(hamming_top_k(queries, base, 11), naive);
  ScopedNumThreads two(2);
  expect_same(hamming_top_k(queries, base, 11), naive);
}

TEST(HammingTopK, PadsAndRejectsMismatches) {
  const BinaryCodes base = pack_sign_bits(Tensor::from({2, 3}, {1, 1, 1, -1, -1, -1}));
  const BinaryCodes query = pack_sign_bits(Tensor::from({1, 3}, {1, -1, -1}));
  const HammingTopK top = hamming_top_k(query, base, 4);
  EXPECT_EQ(top.ids, (std::vector<int64_t>{1, 0, -1, -1}));
  EXPECT_EQ(top.distances[0], 1);
  EXPECT_EQ(top.distances[1], 2);
  EXPECT_EQ(top.distances[2], std::numeric_limits<int32_t>::max());
  const BinaryCodes wider = pack_sign_bits(Tensor::from({1, 4}, {1, 1, 1, 1}));
  EXPECT_NE(error_message([&] { hamming_top_k(wider, base, 1); }).find("bits"), std::string::npos);
  EXPECT_NE(error_message([&] { hamming_top_k(query, base, 0); }).find("k must be"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
