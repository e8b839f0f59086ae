// Autograd ops, one case each: the forward value against a naive double-precision reference
// (tolerance rel 1e-5 + abs 1e-6: a few float roundings), and the backward pass against central
// finite differences of loss = sum(w * op(x)) (gradcheck.h; tolerance rel 2e-2 + abs 1e-3).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "gradcheck.h"
#include "tessera/core/autograd.h"
#include "tessera/core/check.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::check_gradients;
using testing::GradCheckOptions;
using testing::random_away_from_zero;
using testing::random_tensor;
using testing::Rng;
using testing::tensor_near;
using testing::to_double;

constexpr double kForwardRel = 1e-5;
constexpr double kForwardAbs = 1e-6;

// The forward value of a one-input op on x.
Tensor forward(const std::function<Var(const Var&)>& op, const Tensor& x) {
  Graph g;
  return op(g.constant(x)).value().clone();
}

// Elementwise reference in double.
std::vector<double> map(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> out;
  for (double v : to_double(x)) out.push_back(f(v));
  return out;
}

// ---------------------------------------------------------------- matmul

class MatmulOp : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(MatmulOp, ForwardAndGradients) {
  const auto [ta, tb] = GetParam();
  const int64_t m = 3, k = 4, n = 5;
  Rng rng(11 + ta * 2 + tb);
  const Tensor a = ta ? random_tensor({k, m}, rng) : random_tensor({m, k}, rng);
  const Tensor b = tb ? random_tensor({n, k}, rng) : random_tensor({k, n}, rng);

  Graph g;
  const Tensor y = matmul(g.constant(a), g.constant(b), ta, tb).value();
  ASSERT_EQ(y.dim(0), m);
  ASSERT_EQ(y.dim(1), n);
  std::vector<double> expected;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        acc += double{ta ? a.at({p, i}) : a.at({i, p})} * double{tb ? b.at({j, p}) : b.at({p, j})};
      }
      expected.push_back(acc);
    }
  }
  EXPECT_TRUE(tensor_near(y, expected, kForwardRel, kForwardAbs));

  EXPECT_TRUE(check_gradients(
      [ta = ta, tb = tb](std::span<const Var> v) { return matmul(v[0], v[1], ta, tb); }, {a, b}));
}

TEST_P(MatmulOp, GradientsThroughPrefixViews) {
  // Inputs with ld > cols (Matryoshka prefixes feed matmul this way).
  const auto [ta, tb] = GetParam();
  Rng rng(21 + ta * 2 + tb);
  const Tensor a =
      (ta ? random_tensor({4, 7}, rng) : random_tensor({3, 7}, rng)).prefix_cols(ta ? 3 : 4);
  const Tensor b =
      (tb ? random_tensor({5, 9}, rng) : random_tensor({4, 9}, rng)).prefix_cols(tb ? 4 : 5);
  EXPECT_TRUE(check_gradients(
      [ta = ta, tb = tb](std::span<const Var> v) { return matmul(v[0], v[1], ta, tb); }, {a, b}));
}

TEST(Ops, MatmulOfAVarWithItself) {
  // x x^T (in-batch similarities of one tower): both operand gradients land on one Var.
  Rng rng(28);
  EXPECT_TRUE(
      check_gradients([](std::span<const Var> v) { return matmul(v[0], v[0], false, true); },
                      {random_tensor({3, 4}, rng)}));
  EXPECT_TRUE(
      check_gradients([](std::span<const Var> v) { return matmul(v[0], v[0], true, false); },
                      {random_tensor({3, 4}, rng)}));
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, MatmulOp,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<bool, bool>>& param_info) {
                           return std::string(std::get<0>(param_info.param) ? "At" : "A") +
                                  (std::get<1>(param_info.param) ? "Bt" : "B");
                         });

// ---------------------------------------------------------------- elementwise binary

TEST(Ops, AddSubMulForward) {
  Rng rng(1);
  const Tensor a = random_tensor({3, 4}, rng);
  const Tensor b = random_tensor({3, 4}, rng);
  Graph g;
  const Var va = g.constant(a), vb = g.constant(b);
  const std::vector<double> da = to_double(a), db = to_double(b);
  std::vector<double> sum_ref, diff_ref, prod_ref;
  for (size_t i = 0; i < da.size(); ++i) {
    sum_ref.push_back(da[i] + db[i]);
    diff_ref.push_back(da[i] - db[i]);
    prod_ref.push_back(da[i] * db[i]);
  }
  EXPECT_TRUE(tensor_near(add(va, vb).value(), sum_ref, kForwardRel, kForwardAbs));
  EXPECT_TRUE(tensor_near(sub(va, vb).value(), diff_ref, kForwardRel, kForwardAbs));
  EXPECT_TRUE(tensor_near(mul(va, vb).value(), prod_ref, kForwardRel, kForwardAbs));
}

TEST(Ops, AddGradients) {
  Rng rng(2);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return add(v[0], v[1]); },
                              {random_tensor({3, 4}, rng), random_tensor({3, 4}, rng)}));
}

TEST(Ops, SubGradients) {
  Rng rng(3);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return sub(v[0], v[1]); },
                              {random_tensor({3, 4}, rng), random_tensor({3, 4}, rng)}));
}

TEST(Ops, MulGradients) {
  Rng rng(4);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return mul(v[0], v[1]); },
                              {random_tensor({3, 4}, rng), random_tensor({3, 4}, rng)}));
}

TEST(Ops, MulOfAVarWithItself) {
  // d(x*x)/dx = 2x: both sides of the op accumulate into one gradient.
  Rng rng(5);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return mul(v[0], v[0]); },
                              {random_tensor({2, 3}, rng)}));
}

TEST(Ops, BinaryOpsOnViews) {
  Rng rng(6);
  const Tensor a = random_tensor({3, 6}, rng).prefix_cols(4);
  const Tensor b = random_tensor({3, 5}, rng).prefix_cols(4);
  EXPECT_TRUE(check_gradients(
      [](std::span<const Var> v) { return mul(add(v[0], v[1]), sub(v[0], v[1])); }, {a, b}));
}

TEST(Ops, BinaryOpsOnThreeDimensionalTensors) {
  Rng rng(7);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return mul(v[0], v[1]); },
                              {random_tensor({2, 3, 4}, rng), random_tensor({2, 3, 4}, rng)}));
}

// ---------------------------------------------------------------- scale, add_bias

TEST(Ops, ScaleForwardAndGradient) {
  Rng rng(8);
  const Tensor x = random_tensor({3, 5}, rng);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return scale(v, -2.5f); }, x),
                          map(x, [](double v) { return -2.5 * v; }), kForwardRel, kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return scale(v[0], -2.5f); }, {x}));
}

TEST(Ops, AddBiasForwardAndGradients) {
  Rng rng(9);
  const Tensor x = random_tensor({4, 5}, rng);
  const Tensor bias = random_tensor({5}, rng);
  Graph g;
  const Tensor y = add_bias(g.constant(x), g.constant(bias)).value();
  std::vector<double> expected;
  for (int64_t r = 0; r < 4; ++r) {
    for (int64_t c = 0; c < 5; ++c) expected.push_back(double{x.at({r, c})} + bias.at({c}));
  }
  EXPECT_TRUE(tensor_near(y, expected, kForwardRel, kForwardAbs));
  // The bias gradient sums over rows.
  EXPECT_TRUE(
      check_gradients([](std::span<const Var> v) { return add_bias(v[0], v[1]); }, {x, bias}));
}

// ---------------------------------------------------------------- activations

TEST(Ops, ReluForwardAndGradient) {
  Rng rng(10);
  // |x| >= 0.05 > eps = 1e-2: no central difference straddles the kink.
  const Tensor x = random_away_from_zero({4, 6}, rng, 0.05f);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return relu(v); }, x),
                          map(x, [](double v) { return v > 0 ? v : 0.0; }), kForwardRel,
                          kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return relu(v[0]); }, {x}));
}

TEST(Ops, GeluForwardAndGradient) {
  Rng rng(11);
  const Tensor x = random_tensor({4, 6}, rng, -3.0f, 3.0f);
  // Exact GELU: x * Phi(x).
  EXPECT_TRUE(
      tensor_near(forward([](const Var& v) { return gelu(v); }, x),
                  map(x, [](double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); }),
                  kForwardRel, kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return gelu(v[0]); }, {x}));
}

TEST(Ops, TanhForwardAndGradient) {
  Rng rng(12);
  const Tensor x = random_tensor({4, 6}, rng, -3.0f, 3.0f);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return tanh(v); }, x),
                          map(x, [](double v) { return std::tanh(v); }), kForwardRel, kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return tanh(v[0]); }, {x}));
}

TEST(Ops, SigmoidForwardAndGradient) {
  Rng rng(13);
  const Tensor x = random_tensor({4, 6}, rng, -4.0f, 4.0f);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return sigmoid(v); }, x),
                          map(x, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }), kForwardRel,
                          kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return sigmoid(v[0]); }, {x}));
}

TEST(Ops, ExpForwardAndGradient) {
  // The learned inverse temperature of InfoNCE is exp of its log.
  Rng rng(15);
  const Tensor x = random_tensor({3, 5}, rng, -3.0f, 3.0f);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return exp_of(v); }, x),
                          map(x, [](double v) { return std::exp(v); }), kForwardRel, kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return exp_of(v[0]); }, {x}));
}

TEST(Ops, ActivationsOnPrefixViewsAndManyRows) {
  // 300 rows: past the per-chunk minimum, so the parallel row loop runs (on a multi-core pool).
  Rng rng(14);
  const Tensor x = random_tensor({300, 9}, rng, -2.0f, 2.0f).prefix_cols(5);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return tanh(v); }, x),
                          map(x, [](double v) { return std::tanh(v); }), kForwardRel, kForwardAbs));
  const Tensor small = random_tensor({3, 9}, rng, -2.0f, 2.0f).prefix_cols(5);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return sigmoid(v[0]); }, {small}));
}

// ---------------------------------------------------------------- softmax family

std::vector<double> softmax_ref(const Tensor& x, bool log) {
  std::vector<double> out;
  for (int64_t r = 0; r < x.rows(); ++r) {
    double max = -1e300, total = 0;
    for (int64_t c = 0; c < x.cols(); ++c) max = std::max(max, double{x.row(r)[c]});
    for (int64_t c = 0; c < x.cols(); ++c) total += std::exp(x.row(r)[c] - max);
    for (int64_t c = 0; c < x.cols(); ++c) {
      const double shifted = x.row(r)[c] - max;
      out.push_back(log ? shifted - std::log(total) : std::exp(shifted) / total);
    }
  }
  return out;
}

TEST(Ops, SoftmaxForwardAndGradient) {
  Rng rng(15);
  const Tensor x = random_tensor({4, 7}, rng, -3.0f, 3.0f);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return softmax(v); }, x),
                          softmax_ref(x, false), kForwardRel, kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return softmax(v[0]); }, {x}));
}

TEST(Ops, SoftmaxIsStableForLargeLogits) {
  // Shifting by the row max keeps exp() finite.
  const Tensor x = Tensor::from({1, 3}, {1000.0f, 1001.0f, 999.0f});
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return softmax(v); }, x),
                          softmax_ref(x, false), kForwardRel, kForwardAbs));
}

TEST(Ops, LogSoftmaxIsAccurateForLargeLogits) {
  // The exact results (-1.41, -0.41, -2.41) are O(1) and representable to ~1e-7; forming
  // max + log(sum) in float first would round it at the scale of the logits (ulp(1001) = 6e-5)
  // and lose that precision. (x - max) - log(sum) keeps it.
  const Tensor x = Tensor::from({1, 3}, {1000.0f, 1001.0f, 999.0f});
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return log_softmax(v); }, x),
                          softmax_ref(x, true), kForwardRel, kForwardAbs));
}

TEST(Ops, LogSoftmaxForwardAndGradient) {
  Rng rng(16);
  const Tensor x = random_tensor({4, 7}, rng, -3.0f, 3.0f);
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return log_softmax(v); }, x),
                          softmax_ref(x, true), kForwardRel, kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return log_softmax(v[0]); }, {x}));
}

TEST(Ops, SoftmaxOnPrefixView) {
  Rng rng(17);
  const Tensor x = random_tensor({3, 8}, rng, -2.0f, 2.0f).prefix_cols(5);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return softmax(v[0]); }, {x}));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return log_softmax(v[0]); }, {x}));
}

// ---------------------------------------------------------------- layer norm, l2 normalize

TEST(Ops, LayerNormForwardAndGradients) {
  Rng rng(18);
  const Tensor x = random_tensor({4, 6}, rng, -2.0f, 2.0f);
  const Tensor gamma = random_tensor({6}, rng, 0.5f, 1.5f);
  const Tensor beta = random_tensor({6}, rng);
  const float eps = 1e-5f;
  Graph g;
  const Tensor y = layer_norm(g.constant(x), g.constant(gamma), g.constant(beta), eps).value();
  std::vector<double> expected;
  for (int64_t r = 0; r < 4; ++r) {
    double mean = 0, var = 0;
    for (int64_t c = 0; c < 6; ++c) mean += x.at({r, c}) / 6.0;
    for (int64_t c = 0; c < 6; ++c) var += (x.at({r, c}) - mean) * (x.at({r, c}) - mean) / 6.0;
    for (int64_t c = 0; c < 6; ++c) {
      expected.push_back((x.at({r, c}) - mean) / std::sqrt(var + eps) * gamma.at({c}) +
                         beta.at({c}));
    }
  }
  EXPECT_TRUE(tensor_near(y, expected, kForwardRel, 1e-5));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return layer_norm(v[0], v[1], v[2]); },
                              {x, gamma, beta}));
}

TEST(Ops, LayerNormGradientOfXAloneAndOnAView) {
  // gamma and beta as constants: only dx flows (the op must not need their gradient buffers).
  Rng rng(19);
  const Tensor x = random_tensor({3, 10}, rng, -2.0f, 2.0f).prefix_cols(7);
  GradCheckOptions options;
  options.constant = {false, true, true};
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return layer_norm(v[0], v[1], v[2]); },
                              {x, random_tensor({7}, rng), random_tensor({7}, rng)}, options));
}

TEST(Ops, L2NormalizeForwardAndGradient) {
  Rng rng(20);
  const Tensor x = random_tensor({4, 5}, rng, -2.0f, 2.0f);
  std::vector<double> expected;
  for (int64_t r = 0; r < 4; ++r) {
    double norm = 0;
    for (int64_t c = 0; c < 5; ++c) norm += double{x.at({r, c})} * x.at({r, c});
    norm = std::sqrt(norm);
    for (int64_t c = 0; c < 5; ++c) expected.push_back(x.at({r, c}) / norm);
  }
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return l2_normalize(v); }, x), expected,
                          kForwardRel, kForwardAbs));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return l2_normalize(v[0]); }, {x}));
}

TEST(Ops, L2NormalizeOfAZeroRowIsZero) {
  // The norm is clamped to eps, so a zero row stays zero instead of becoming NaN.
  const Tensor x = Tensor::from({2, 3}, {0, 0, 0, 3, 0, 4});
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return l2_normalize(v); }, x),
                          std::vector<double>{0, 0, 0, 0.6, 0, 0.8}, kForwardRel, kForwardAbs));
}

TEST(Ops, L2NormalizedPrefixCutsThenNormalizes) {
  const Tensor x = Tensor::from({3, 4}, {3, 4, 9, 9, 0, 0, 5, 5, -6, 8, 1, 1});
  const Tensor y = l2_normalized_prefix(x, 2);
  ASSERT_EQ(y.rows(), 3);
  ASSERT_EQ(y.cols(), 2);
  EXPECT_TRUE(y.contiguous());
  const std::vector<float> expected = {0.6f, 0.8f, 0, 0, -0.6f, 0.8f};  // zero stays zero
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(y.to_vector()[i], expected[i]);
  EXPECT_FLOAT_EQ(l2_normalized_prefix(x, 4).to_vector()[0], 3.0f / std::sqrt(187.0f));
  EXPECT_THROW((void)l2_normalized_prefix(x, 5), Error);
  EXPECT_THROW((void)l2_normalized_prefix(x, 0), Error);
}

TEST(Ops, L2NormalizeClampedRowsAreLinear) {
  // Rows whose norm is below eps are divided by eps (F.normalize): y = x / eps is linear there,
  // and the backward must follow that branch. eps = 1 puts row 0 (norm ~0.3) in the clamped
  // region, where +-1e-2 perturbations stay, and row 1 (norm ~3) in the normal one.
  const Tensor x = Tensor::from({2, 3}, {0.1f, -0.2f, 0.2f, 1.0f, 2.0f, -2.0f});
  EXPECT_TRUE(tensor_near(forward([](const Var& v) { return l2_normalize(v, 1.0f); }, x),
                          std::vector<double>{0.1, -0.2, 0.2, 1.0 / 3, 2.0 / 3, -2.0 / 3},
                          kForwardRel, kForwardAbs));
  EXPECT_TRUE(
      check_gradients([](std::span<const Var> v) { return l2_normalize(v[0], 1.0f); }, {x}));
}

// ---------------------------------------------------------------- views: prefix, slice_rows

TEST(Ops, PrefixForwardIsAViewAndGradientIsZeroOutsideIt) {
  Rng rng(21);
  const Tensor x = random_tensor({4, 8}, rng);
  Graph g;
  const Var leaf = g.leaf(x);
  const Var p = prefix(leaf, 3);
  EXPECT_EQ(p.value().data(), x.data()) << "prefix copied its input";
  EXPECT_EQ(p.value().cols(), 3);
  EXPECT_EQ(p.value().ld(), 8);
  // check_gradients also verifies the columns past the prefix get exactly no gradient.
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return prefix(v[0], 3); }, {x}));
  EXPECT_TRUE(check_gradients(
      [](std::span<const Var> v) { return tanh(prefix(prefix(v[0], 6), 2)); }, {x}));
}

TEST(Ops, SliceRowsForwardIsAViewAndGradient) {
  Rng rng(22);
  const Tensor x = random_tensor({6, 4}, rng);
  Graph g;
  const Var s = slice_rows(g.leaf(x), 2, 5);
  EXPECT_EQ(s.value().data(), x.row(2));
  EXPECT_EQ(s.value().dim(0), 3);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return slice_rows(v[0], 2, 5); }, {x}));
  // Two overlapping slices: their gradients add up on the shared rows.
  EXPECT_TRUE(check_gradients(
      [](std::span<const Var> v) { return add(slice_rows(v[0], 0, 4), slice_rows(v[0], 2, 6)); },
      {x}));
}

// ---------------------------------------------------------------- reductions

TEST(Ops, SumAndMeanForwardAndGradient) {
  Rng rng(23);
  const Tensor x = random_tensor({3, 5}, rng);
  double total = 0;
  for (double v : to_double(x)) total += v;
  Graph g;
  EXPECT_NEAR(sum(g.constant(x)).item(), total, 1e-5);
  EXPECT_NEAR(mean(g.constant(x)).item(), total / 15.0, 1e-6);
  EXPECT_EQ(sum(g.constant(x)).value().numel(), 1);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return sum(v[0]); }, {x}));
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return mean(v[0]); }, {x}));
  // Of a view: the padding must not be summed.
  const Tensor view = random_tensor({3, 7}, rng).prefix_cols(2);
  double view_total = 0;
  for (double v : to_double(view)) view_total += v;
  EXPECT_NEAR(sum(g.constant(view)).item(), view_total, 1e-5);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return mean(v[0]); }, {view}));
}

// ---------------------------------------------------------------- losses

TEST(Ops, CrossEntropyForwardAndGradient) {
  Rng rng(24);
  const Tensor logits = random_tensor({5, 7}, rng, -3.0f, 3.0f);
  const std::vector<int32_t> targets = {0, 6, 3, 3, 1};
  const std::vector<double> log_p = softmax_ref(logits, true);
  double expected = 0;
  for (size_t r = 0; r < targets.size(); ++r) expected -= log_p[r * 7 + targets[r]] / 5.0;
  Graph g;
  EXPECT_NEAR(cross_entropy(g.constant(logits), targets).item(), expected, 1e-5 * expected);
  EXPECT_TRUE(check_gradients([&](std::span<const Var> v) { return cross_entropy(v[0], targets); },
                              {logits}));
  // Logits as a prefix view.
  const Tensor view = random_tensor({5, 10}, rng, -3.0f, 3.0f).prefix_cols(7);
  EXPECT_TRUE(check_gradients([&](std::span<const Var> v) { return cross_entropy(v[0], targets); },
                              {view}));
}

TEST(Ops, CrossEntropyIsStableForLargeLogits) {
  // -log softmax from the log-sum-exp: a confident wrong answer costs ~1000, not inf.
  const Tensor logits = Tensor::from({1, 2}, {1000.0f, 0.0f});
  Graph g;
  EXPECT_NEAR(cross_entropy(g.constant(logits), {1}).item(), 1000.0, 1e-3);
  EXPECT_NEAR(cross_entropy(g.constant(logits), {0}).item(), 0.0, 1e-6);
}

TEST(Ops, MultiTargetCrossEntropyForwardAndGradient) {
  // Rows with one, two and three targets, weighted: against a hand-written sum of -log p.
  Rng rng(26);
  const Tensor logits = random_tensor({3, 6}, rng, -3.0f, 3.0f);
  RowTargets targets;
  targets.add(std::vector<int64_t>{4});
  targets.add(std::vector<int64_t>{0, 5});
  targets.add(std::vector<int64_t>{1, 2, 3});
  targets.weights = {1.0f, 0.5f, 2.0f};
  const std::vector<double> log_p = softmax_ref(logits, true);
  const double expected = (1.0 * -log_p[4] + 0.5 * -(log_p[6] + log_p[11]) / 2 +
                           2.0 * -(log_p[13] + log_p[14] + log_p[15]) / 3) /
                          3;
  Graph g;
  EXPECT_NEAR(multi_target_cross_entropy(g.constant(logits), targets).item(), expected,
              1e-5 * expected);
  EXPECT_TRUE(check_gradients(
      [&](std::span<const Var> v) { return multi_target_cross_entropy(v[0], targets); }, {logits}));
  // One target a row, no weights: cross_entropy.
  RowTargets single;
  for (const int64_t t : {2, 0, 5}) single.add(std::vector<int64_t>{t});
  EXPECT_NEAR(multi_target_cross_entropy(g.constant(logits), single).item(),
              cross_entropy(g.constant(logits), {2, 0, 5}).item(), 1e-6);
  // Malformed targets are errors, not reads out of bounds.
  RowTargets outside;
  for (const int64_t t : {2, 6, 0}) outside.add(std::vector<int64_t>{t});
  EXPECT_THROW((void)multi_target_cross_entropy(g.constant(logits), outside), Error);
  RowTargets empty_row;
  for (const auto& row :
       {std::vector<int64_t>{2}, std::vector<int64_t>{}, std::vector<int64_t>{0}}) {
    empty_row.add(row);
  }
  EXPECT_THROW((void)multi_target_cross_entropy(g.constant(logits), empty_row), Error);
}

TEST(Ops, MultiTargetLogisticForwardAndGradient) {
  // One-vs-all: -log sigmoid(x) for each target, -log(1 - sigmoid(x)) for every other class.
  Rng rng(27);
  const Tensor logits = random_tensor({3, 5}, rng, -4.0f, 4.0f);
  RowTargets targets;
  targets.add(std::vector<int64_t>{1});
  targets.add(std::vector<int64_t>{0, 4});
  targets.add(std::vector<int64_t>{2});
  targets.weights = {1.0f, 2.0f, 0.5f};
  double expected = 0.0;
  for (int64_t r = 0; r < 3; ++r) {
    double row = 0.0;
    for (int64_t c = 0; c < 5; ++c) {
      const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(logits.row(r)[c])));
      const auto& t = targets.targets;
      const bool positive =
          std::find(t.begin() + targets.offsets[r], t.begin() + targets.offsets[r + 1], c) !=
          t.begin() + targets.offsets[r + 1];
      row += positive ? -std::log(p) : -std::log(1.0 - p);
    }
    expected += targets.weights[static_cast<size_t>(r)] * row / 3;
  }
  Graph g;
  EXPECT_NEAR(multi_target_logistic(g.constant(logits), targets).item(), expected, 1e-5 * expected);
  EXPECT_TRUE(check_gradients(
      [&](std::span<const Var> v) { return multi_target_logistic(v[0], targets); }, {logits}));
  // Stable far from zero: a confident wrong answer costs its logit, a right one nothing.
  RowTargets first;
  first.add(std::vector<int64_t>{0});
  EXPECT_NEAR(
      multi_target_logistic(g.constant(Tensor::from({1, 2}, {-500.0f, -500.0f})), first).item(),
      500.0, 1e-3);
  EXPECT_NEAR(
      multi_target_logistic(g.constant(Tensor::from({1, 2}, {500.0f, -500.0f})), first).item(), 0.0,
      1e-6);
  RowTargets outside;
  for (const int64_t t : {2, 5, 0}) outside.add(std::vector<int64_t>{t});
  EXPECT_THROW((void)multi_target_logistic(g.constant(logits), outside), Error);
}

TEST(Ops, MseForwardAndGradients) {
  Rng rng(25);
  const Tensor a = random_tensor({3, 4}, rng);
  const Tensor b = random_tensor({3, 4}, rng);
  const std::vector<double> da = to_double(a), db = to_double(b);
  double expected = 0;
  for (size_t i = 0; i < da.size(); ++i) expected += (da[i] - db[i]) * (da[i] - db[i]) / 12.0;
  Graph g;
  EXPECT_NEAR(mse(g.constant(a), g.constant(b)).item(), expected, 1e-5 * expected);
  EXPECT_TRUE(check_gradients([](std::span<const Var> v) { return mse(v[0], v[1]); }, {a, b}));
}

TEST(Ops, CosineLossForwardAndGradients) {
  Rng rng(26);
  const Tensor a = random_tensor({4, 5}, rng);
  const Tensor b = random_tensor({4, 5}, rng);
  double expected = 0;
  for (int64_t r = 0; r < 4; ++r) {
    double dot = 0, na = 0, nb = 0;
    for (int64_t c = 0; c < 5; ++c) {
      dot += double{a.at({r, c})} * b.at({r, c});
      na += double{a.at({r, c})} * a.at({r, c});
      nb += double{b.at({r, c})} * b.at({r, c});
    }
    expected += (1.0 - dot / std::sqrt(na * nb)) / 4.0;
  }
  Graph g;
  EXPECT_NEAR(cosine_loss(g.constant(a), g.constant(b)).item(), expected, 1e-5);
  EXPECT_TRUE(
      check_gradients([](std::span<const Var> v) { return cosine_loss(v[0], v[1]); }, {a, b}));
  // A one-sided gradient (b constant), through prefix views.
  GradCheckOptions options;
  options.constant = {false, true};
  EXPECT_TRUE(check_gradients(
      [](std::span<const Var> v) { return cosine_loss(v[0], v[1]); },
      {random_tensor({3, 8}, rng).prefix_cols(6), random_tensor({3, 6}, rng)}, options));
}

TEST(Ops, CosineLossOfParallelVectorsIsZero) {
  const Tensor a = Tensor::from({1, 3}, {1, 2, 3});
  const Tensor b = Tensor::from({1, 3}, {2, 4, 6});
  Graph g;
  EXPECT_NEAR(cosine_loss(g.constant(a), g.constant(b)).item(), 0.0, 1e-6);
}

// ---------------------------------------------------------------- a composite

TEST(Ops, TwoLayerNetworkGradients) {
  // The ops chained as a model uses them: every gradient path at once.
  Rng rng(27);
  const std::vector<int32_t> targets = {1, 0, 2, 1};
  EXPECT_TRUE(check_gradients(
      [&](std::span<const Var> v) {
        const Var h = tanh(layer_norm(add_bias(matmul(v[0], v[1]), v[2]), v[3], v[4]));
        return cross_entropy(matmul(h, v[5], false, true), targets);
      },
      {random_tensor({4, 5}, rng), random_tensor({5, 6}, rng), random_tensor({6}, rng),
       random_tensor({6}, rng, 0.5f, 1.5f), random_tensor({6}, rng), random_tensor({3, 6}, rng)}));
}

}  // namespace
}  // namespace tessera
