// matmul (cblas_sgemm, split by rows of C across the pool) against the double-precision triple
// loop matmul_naive: every transpose combination, alpha and beta, prefix views with ld > cols on
// every operand, and sizes that take the parallel path.
#include "tessera/core/matmul.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <tuple>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::Rng;
using testing::ScopedNumThreads;
using testing::tensor_identical;
using testing::tensor_near;

constexpr float kPadding = -777.0f;

// A (rows x cols) view into a (rows x cols + pad) tensor whose padding holds kPadding, so a
// kernel that ignores ld or writes past cols is caught.
Tensor padded(int64_t rows, int64_t cols, int64_t pad, Rng& rng) {
  Tensor wide = Tensor::full({rows, cols + pad}, kPadding);
  Tensor view = wide.prefix_cols(cols);
  testing::fill_random(view, rng);
  return view;
}

bool padding_intact(const Tensor& view) {
  for (int64_t r = 0; r < view.rows(); ++r) {
    for (int64_t c = view.cols(); c < view.ld(); ++c) {
      if (view.row(r)[c] != kPadding) return false;
    }
  }
  return true;
}

struct Case {
  int64_t m, n, k;
  bool transpose_a, transpose_b;
  float alpha, beta;
  int threads;
};

// Runs one case with contiguous operands and again with padded views of all three.
void check_case(const Case& c) {
  SCOPED_TRACE(::testing::Message() << c.m << "x" << c.n << "x" << c.k << " ta=" << c.transpose_a
                                    << " tb=" << c.transpose_b << " alpha=" << c.alpha
                                    << " beta=" << c.beta << " threads=" << c.threads);
  ScopedNumThreads threads(c.threads);
  Rng rng(static_cast<uint32_t>(c.m * 31 + c.n * 7 + c.k + (c.transpose_a ? 2 : 0) +
                                (c.transpose_b ? 1 : 0)));
  for (const int64_t pad : {0, 5}) {
    SCOPED_TRACE(pad == 0 ? "contiguous" : "padded views");
    const Tensor a = c.transpose_a ? padded(c.k, c.m, pad, rng) : padded(c.m, c.k, pad, rng);
    const Tensor b = c.transpose_b ? padded(c.n, c.k, pad, rng) : padded(c.k, c.n, pad, rng);
    Tensor out = padded(c.m, c.n, pad, rng);
    Tensor expected = out.clone();
    matmul(a, b, out, c.transpose_a, c.transpose_b, c.alpha, c.beta);
    matmul_naive(a, b, expected, c.transpose_a, c.transpose_b, c.alpha, c.beta);
    // Float accumulation over k terms of size <= 1 against a double reference: the error grows
    // like k * 6e-8 in the worst case; 2e-5 absolute covers k = 150 with margin, while any
    // indexing mistake changes entries by O(1).
    EXPECT_TRUE(tensor_near(out, expected, 1e-5, 2e-5 + 1e-7 * static_cast<double>(c.k)));
    EXPECT_TRUE(padding_intact(out)) << "matmul wrote into the padding of C";
  }
}

class MatmulTranspose : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(MatmulTranspose, SmallAgainstNaive) {
  const auto [ta, tb] = GetParam();
  check_case({3, 5, 4, ta, tb, 1.0f, 0.0f, 1});
  check_case({1, 1, 1, ta, tb, 1.0f, 0.0f, 1});
  check_case({17, 9, 33, ta, tb, 1.0f, 0.0f, 2});
}

TEST_P(MatmulTranspose, AlphaAndBeta) {
  const auto [ta, tb] = GetParam();
  check_case({6, 7, 8, ta, tb, 0.5f, 0.25f, 1});
  check_case({6, 7, 8, ta, tb, -2.0f, 1.0f, 1});
}

TEST_P(MatmulTranspose, ParallelPathAgainstNaive) {
  // 300 * 200 * 150 = 9e6 multiply-adds, past the parallel threshold (2^21).
  const auto [ta, tb] = GetParam();
  check_case({300, 200, 150, ta, tb, 1.0f, 0.0f, 2});
  check_case({300, 200, 150, ta, tb, 0.5f, -0.5f, 3});
}

TEST_P(MatmulTranspose, ResultDoesNotDependOnThreadCount) {
  // The header promises each row block is a single-threaded sgemm, "so the result does not
  // depend on the split": compare bit for bit.
  const auto [ta, tb] = GetParam();
  Rng rng(7);
  const Tensor a =
      ta ? testing::random_tensor({150, 301}, rng) : testing::random_tensor({301, 150}, rng);
  const Tensor b =
      tb ? testing::random_tensor({203, 150}, rng) : testing::random_tensor({150, 203}, rng);
  Tensor serial;
  {
    ScopedNumThreads threads(1);
    serial = matmul(a, b, ta, tb);
  }
  for (int n : {2, 3, 4}) {
    ScopedNumThreads threads(n);
    EXPECT_TRUE(tensor_identical(matmul(a, b, ta, tb), serial)) << n << " threads";
  }
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, MatmulTranspose,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<bool, bool>>& param_info) {
                           return std::string(std::get<0>(param_info.param) ? "At" : "A") +
                                  (std::get<1>(param_info.param) ? "Bt" : "B");
                         });

TEST(Matmul, AllocatingOverloadHasOutputShape) {
  Rng rng(3);
  const Tensor a = testing::random_tensor({4, 6}, rng);
  const Tensor b = testing::random_tensor({5, 6}, rng);
  const Tensor c = matmul(a, b, false, true);
  EXPECT_EQ(c.dim(0), 4);
  EXPECT_EQ(c.dim(1), 5);
  Tensor expected = Tensor::zeros({4, 5});
  matmul_naive(a, b, expected, false, true);
  EXPECT_TRUE(tensor_near(c, expected, 1e-5, 1e-6));
}

TEST(Matmul, NaiveReferenceOnHandComputedValues) {
  // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]; the reference the other tests trust is checked too.
  const Tensor a = Tensor::from({2, 2}, {1, 2, 3, 4});
  const Tensor b = Tensor::from({2, 2}, {5, 6, 7, 8});
  Tensor c = Tensor::full({2, 2}, 1.0f);
  matmul_naive(a, b, c, false, false, 2.0f, 0.5f);
  EXPECT_EQ(c.to_vector(), (std::vector<float>{38.5f, 44.5f, 86.5f, 100.5f}));
  Tensor d = Tensor::zeros({2, 2});
  matmul_naive(a, b, d, true, true);  // A^T B^T = [1 3; 2 4][5 7; 6 8] = [23 31; 34 46]
  EXPECT_EQ(d.to_vector(), (std::vector<float>{23, 31, 34, 46}));
}

TEST(Matmul, BetaZeroIgnoresGarbageInC) {
  // BLAS semantics: with beta = 0, C is not read (NaN in uninitialized output must not leak).
  const Tensor a = Tensor::from({1, 2}, {1, 2});
  const Tensor b = Tensor::from({2, 1}, {3, 4});
  Tensor c = Tensor::full({1, 1}, std::numeric_limits<float>::quiet_NaN());
  matmul(a, b, c);
  EXPECT_EQ(c.at({0, 0}), 11.0f);
}

TEST(Matmul, EmptyInnerDimensionScalesC) {
  // K = 0: op(A) op(B) is all zeros, so C = beta * C (an empty feature block, a zero-width prefix).
  for (const bool ta : {false, true}) {
    const Tensor a = ta ? Tensor::zeros({0, 3}) : Tensor::zeros({3, 0});
    const Tensor b = Tensor::zeros({0, 4});
    Tensor c = Tensor::full({3, 4}, 7.0f);
    matmul(a, b, c, ta, false, 1.0f, 0.5f);
    EXPECT_EQ(c.to_vector(), std::vector<float>(12, 3.5f)) << "ta=" << ta;
    EXPECT_EQ(matmul(a, b, ta, false).to_vector(), std::vector<float>(12, 0.0f)) << "ta=" << ta;
  }
}

TEST(Matmul, ShapeErrorsThrow) {
  const Tensor a = Tensor::zeros({2, 3});
  const Tensor b = Tensor::zeros({4, 5});
  Tensor c = Tensor::zeros({2, 5});
  try {
    matmul(a, b, c);
    FAIL() << "inner dimension mismatch not detected";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("inner dimensions differ"));
  }
  Tensor wrong_out = Tensor::zeros({2, 4});
  EXPECT_THROW(matmul(Tensor::zeros({2, 3}), Tensor::zeros({3, 5}), wrong_out), Error);
  Tensor three_d = Tensor::zeros({1, 2, 3});
  EXPECT_THROW(matmul(three_d, Tensor::zeros({3, 5}), c), Error);
}

}  // namespace
}  // namespace tessera
