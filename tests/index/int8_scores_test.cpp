// The integer int8 scan against plain integer arithmetic: every build (tests/CMakeLists.txt runs
// these again with TESSERA_SIMD=avx2 and =generic) must give the same integers, for dims that
// are not multiples of 4, rows that do not fill a block, and any number of queries.
#include "../../src/index/int8_scores.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>
#include <vector>

#include "../core/test_support.h"
#include "tessera/index/exact_search.h"

namespace tessera::index_detail {
namespace {

using testing::Rng;

std::vector<int8_t> random_codes(int64_t n, Rng& rng) {
  std::vector<int8_t> codes(static_cast<size_t>(n));
  for (int8_t& code : codes) code = static_cast<int8_t>(rng.index(255) - 127);  // [-127, 127]
  return codes;
}

TEST(Int8Scores, EqualPlainIntegerDotProducts) {
  Rng rng(11);
  const Int8ScoresFn kernel = int8_scores_kernel();
  for (const int64_t dim : {1, 3, 4, 5, 17, 64, 70, 256}) {
    for (const int64_t rows : {1, 15, 16, 33, 100}) {
      const std::vector<int8_t> codes = random_codes(rows * dim, rng);
      const Int8Blocks blocks(codes, dim);
      ASSERT_EQ(blocks.rows(), rows);
      for (const int64_t nq : {1, 7}) {  // the portable build: scalar for 1, a GEMM for 7
        Tensor queries = Tensor::empty({nq, dim});
        for (int64_t q = 0; q < nq; ++q) {
          for (int64_t c = 0; c < dim; ++c) queries.row(q)[c] = rng.uniform(-1, 1);
        }
        const std::vector<float> scales(static_cast<size_t>(dim), 0.5f);
        const Int8Queries quantized = quantize_queries(queries, scales);
        // Rows from block 1 on when there is one, so the offset is exercised too.
        const int64_t b0 = rows > 16 ? 1 : 0;
        const int64_t count = rows - 16 * b0;
        std::vector<float> scores(static_cast<size_t>(nq * count));
        kernel(quantized, 0, nq, blocks, b0, count, scores.data(), count);
        for (int64_t q = 0; q < nq; ++q) {
          for (int64_t j = 0; j < count; ++j) {
            int64_t dot = 0;
            for (int64_t c = 0; c < dim; ++c) {
              dot += int64_t{quantized.code(q)[c]} *
                     codes[static_cast<size_t>((16 * b0 + j) * dim + c)];
            }
            const float expected =
                quantized.steps[static_cast<size_t>(q)] * static_cast<float>(dot);
            ASSERT_EQ(scores[static_cast<size_t>(q * count + j)], expected)
                << "dim " << dim << " rows " << rows << " query " << q << " row " << j;
          }
        }
      }
    }
  }
}

// Int8Index::score's kernel: rows listed in any order, repeats included.
TEST(Int8Scores, RowsDotEqualPlainIntegerDotProducts) {
  Rng rng(12);
  const Int8RowsDotFn rows_dot = int8_rows_dot_kernel();
  for (const int64_t dim : {1, 3, 4, 17, 64, 70, 256, 300}) {
    const int64_t n = 50;
    const std::vector<int8_t> codes = random_codes(n * dim, rng);
    Tensor query = Tensor::empty({1, dim});
    for (int64_t c = 0; c < dim; ++c) query.row(0)[c] = rng.uniform(-1, 1);
    const Int8Queries quantized =
        quantize_queries(query, std::vector<float>(static_cast<size_t>(dim), 1.0f));
    std::vector<int64_t> rows;
    for (int i = 0; i < 23; ++i) rows.push_back(rng.index(static_cast<int32_t>(n)));
    std::vector<int32_t> dots(rows.size());
    rows_dot(quantized.code(0), quantized.bias[0], codes.data(), dim, rows.data(), std::ssize(rows),
             dots.data());
    for (size_t i = 0; i < rows.size(); ++i) {
      int32_t dot = 0;
      for (int64_t c = 0; c < dim; ++c) {
        dot += int32_t{quantized.code(0)[c]} * codes[static_cast<size_t>(rows[i] * dim + c)];
      }
      ASSERT_EQ(dots[i], dot) << "dim " << dim << " row " << rows[i];
    }
  }
}

TEST(Int8Scores, QueriesRoundToTheirLargestWeight) {
  const Tensor queries = Tensor::from({2, 3}, {0.5f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f});
  const std::vector<float> scales = {2.0f, 1.0f, 1.0f};
  const Int8Queries quantized = quantize_queries(queries, scales);
  // weights 1, -1, 0.25: the step is 1 / 127.
  EXPECT_FLOAT_EQ(quantized.steps[0], 1.0f / 127.0f);
  EXPECT_EQ(quantized.code(0)[0], 127);
  EXPECT_EQ(quantized.code(0)[1], -127);
  EXPECT_EQ(quantized.code(0)[2], 32);  // 31.75 rounded
  EXPECT_EQ(quantized.code(0)[3], 0);   // padding to 4 dims
  EXPECT_EQ(quantized.bias[0], 128 * 32);
  // A zero query scores 0 everywhere.
  EXPECT_EQ(quantized.steps[1], 0.0f);
  EXPECT_EQ(quantized.bias[1], 0);
}

// Scales near float's limits (a corrupt file's) overflow the weights or their inverse: such a
// query scores 0 everywhere instead of converting inf or NaN to integers.
TEST(Int8Scores, QueriesBeyondFloatRangeScoreZero) {
  const Tensor queries = Tensor::from({2, 2}, {10.0f, 1.0f, 0.0f, 1e-30f});
  const std::vector<float> scales = {3e38f, 1e-10f};
  const Int8Queries quantized = quantize_queries(queries, scales);
  for (int64_t q = 0; q < 2; ++q) {
    EXPECT_EQ(quantized.steps[static_cast<size_t>(q)], 0.0f) << q;
    EXPECT_EQ(quantized.bias[static_cast<size_t>(q)], 0) << q;
    EXPECT_EQ(quantized.code(q)[0], 0) << q;
    EXPECT_EQ(quantized.code(q)[1], 0) << q;
  }
}

TEST(Int8Scores, TellsWhichKernelRuns) {
  const std::string_view name = int8_scan_kernel();
  const char* forced = std::getenv("TESSERA_SIMD");
  const std::string_view simd = forced == nullptr ? "" : forced;
  if (simd == "generic") {
    EXPECT_EQ(name, "generic");
  } else if (simd == "avx2") {
    EXPECT_TRUE(name == "avx2" || name == "generic") << name;
  } else {
    EXPECT_TRUE(name == "avx512-vnni" || name == "avx2" || name == "generic") << name;
  }
}

}  // namespace
}  // namespace tessera::index_detail
