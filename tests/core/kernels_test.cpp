// Vector kernels: every entry of the generic table, and of the AVX2 table where the CPU has it,
// against naive double-precision loops at odd lengths (vector bodies plus scalar tails), on
// unaligned pointers, with a sentinel after the last element to catch writes past the end.
#include "tessera/core/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_support.h"

namespace tessera {
namespace {

using testing::near;
using testing::Rng;

constexpr float kSentinel = 12345.0f;
constexpr double kUnitRoundoff = 6e-8;  // float epsilon / 2, rounded up

// A buffer of n random floats starting one float past a 64-byte boundary (so SIMD loads are
// unaligned), followed by a sentinel.
struct Buffer {
  Buffer(int64_t n, Rng& rng, float lo, float hi) : storage(static_cast<size_t>(n) + 2) {
    for (int64_t i = 0; i < n; ++i) storage[static_cast<size_t>(i) + 1] = rng.uniform(lo, hi);
    storage[static_cast<size_t>(n) + 1] = kSentinel;
    size = n;
  }
  float* data() { return storage.data() + 1; }
  const float* data() const { return storage.data() + 1; }
  float operator[](int64_t i) const { return data()[i]; }
  bool sentinel_intact() const { return storage.back() == kSentinel; }
  std::vector<float> storage;
  int64_t size = 0;
};

std::vector<const kernels::KernelTable*> tables() {
  std::vector<const kernels::KernelTable*> out = {&kernels::generic()};
  if (kernels::avx2() != nullptr) out.push_back(kernels::avx2());
  return out;
}

// Worst-case bound of a float sum of n terms: n * u * sum |term|. Rigorous, so it never flakes,
// yet a dropped or doubled element (an error of one whole term) exceeds it.
double sum_bound(int64_t n, double sum_abs) {
  return static_cast<double>(n) * kUnitRoundoff * sum_abs + 1e-30;
}

class KernelsTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(KernelsTest, Reductions) {
  const int64_t n = GetParam();
  for (const kernels::KernelTable* k : tables()) {
    SCOPED_TRACE(k->name);
    Rng rng(static_cast<uint32_t>(n));
    Buffer x(n, rng, -1.0f, 1.0f), y(n, rng, -1.0f, 1.0f);
    double dot = 0, dot_abs = 0, sum = 0, sum_abs = 0, squares = 0;
    for (int64_t i = 0; i < n; ++i) {
      dot += static_cast<double>(x[i]) * y[i];
      dot_abs += std::abs(static_cast<double>(x[i]) * y[i]);
      sum += x[i];
      sum_abs += std::abs(x[i]);
      squares += static_cast<double>(x[i]) * x[i];
    }
    EXPECT_NEAR(k->dot(x.data(), y.data(), n), dot, sum_bound(n, dot_abs));
    std::vector<int8_t> codes(static_cast<size_t>(n));
    double dot8 = 0, dot8_abs = 0;
    for (int64_t i = 0; i < n; ++i) {
      codes[static_cast<size_t>(i)] = static_cast<int8_t>(rng.index(255) - 127);
      dot8 += static_cast<double>(x[i]) * codes[static_cast<size_t>(i)];
      dot8_abs += std::abs(static_cast<double>(x[i]) * codes[static_cast<size_t>(i)]);
    }
    EXPECT_NEAR(k->dot_int8(x.data(), codes.data(), n), dot8, sum_bound(n, dot8_abs));
    EXPECT_NEAR(k->sum(x.data(), n), sum, sum_bound(n, sum_abs));
    EXPECT_NEAR(k->sum_squares(x.data(), n), squares, sum_bound(n, squares));
  }
}

TEST_P(KernelsTest, ElementwiseUpdates) {
  const int64_t n = GetParam();
  for (const kernels::KernelTable* k : tables()) {
    SCOPED_TRACE(k->name);
    Rng rng(static_cast<uint32_t>(n) + 100);
    const Buffer x(n, rng, -2.0f, 2.0f);
    const Buffer y0(n, rng, -2.0f, 2.0f);
    const float a = -0.75f;

    // One or two roundings per element (two without FMA): rel 2.5e-7 covers both.
    Buffer y = y0;
    k->axpy(a, x.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double expected = static_cast<double>(y0[i]) + static_cast<double>(a) * x[i];
      EXPECT_NEAR(y[i], expected, 2.5e-7 * (std::abs(y0[i]) + std::abs(a * x[i]))) << "axpy " << i;
    }
    EXPECT_TRUE(y.sentinel_intact()) << "axpy wrote past n";

    Buffer out(n, rng, 0.0f, 1.0f);
    k->scale_into(a, x.data(), out.data(), n);
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(out[i], a * x[i]) << "scale_into " << i;
    EXPECT_TRUE(out.sentinel_intact()) << "scale_into wrote past n";

    Buffer s = x;
    k->scale(a, s.data(), n);
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(s[i], a * x[i]) << "scale " << i;
    EXPECT_TRUE(s.sentinel_intact()) << "scale wrote past n";
  }
}

TEST_P(KernelsTest, ExpSumMatchesStdExp) {
  // out = exp(scale * (x - shift)) within 2 ulp of exp (documented); the returned sum is a float
  // sum of n positive terms.
  const int64_t n = GetParam();
  for (const kernels::KernelTable* k : tables()) {
    SCOPED_TRACE(k->name);
    Rng rng(static_cast<uint32_t>(n) + 500);
    for (const float scale : {1.0f, 20.0f}) {
      const Buffer x(n, rng, -4.0f, 4.0f);
      Buffer out(n, rng, 0.0f, 1.0f);
      const float shift = 1.5f;
      const float total = k->exp_sum(x.data(), shift, scale, out.data(), n);
      double expected_total = 0;
      for (int64_t i = 0; i < n; ++i) {
        // The argument is formed in float as the kernel does; the exp itself in double.
        const double e = std::exp(static_cast<double>(scale * (x[i] - shift)));
        expected_total += e;
        // Arguments below -87.3 are clamped (documented): ~1.2e-38 instead of a denormal or 0.
        EXPECT_TRUE(near(out[i], e, 3e-7, 1.3e-38)) << "exp " << i << ": " << out[i] << " vs " << e;
      }
      EXPECT_NEAR(total, expected_total, sum_bound(n, expected_total) + 3e-7 * expected_total);
      EXPECT_TRUE(out.sentinel_intact()) << "exp_sum wrote past n";
    }
  }
}

TEST_P(KernelsTest, ContrastiveRowKernels) {
  // scaled_max: out = x * a * b and its max; contrastive_grad: with d = coef * p and t = d * c,
  // col_acc += t, out += d * a * b, returns sum t. Against double loops.
  const int64_t n = GetParam();
  for (const kernels::KernelTable* k : tables()) {
    SCOPED_TRACE(k->name);
    Rng rng(static_cast<uint32_t>(n) + 900);
    const Buffer x(n, rng, -2.0f, 2.0f), b(n, rng, 0.5f, 2.0f), c(n, rng, -1.0f, 1.0f);
    const Buffer p(n, rng, 0.0f, 1.0f);
    Buffer out(n, rng, 0.0f, 1.0f), col(n, rng, -1.0f, 1.0f), acc(n, rng, -1.0f, 1.0f);
    const Buffer col0 = col, acc0 = acc;
    const float a = 0.75f, coef = -0.3f;
    const float max = k->scaled_max(x.data(), a, b.data(), out.data(), n);
    double expected_max = -1e30;
    for (int64_t i = 0; i < n; ++i) {
      const double e = static_cast<double>(x[i]) * a * b[i];
      EXPECT_TRUE(near(out[i], e, 3 * kUnitRoundoff, 1e-30)) << "scaled_max out " << i;
      expected_max = std::max(expected_max, static_cast<double>(out[i]));
    }
    EXPECT_EQ(max, static_cast<float>(expected_max));
    EXPECT_TRUE(out.sentinel_intact());

    const float total =
        k->contrastive_grad(c.data(), p.data(), coef, a, b.data(), col.data(), acc.data(), n);
    double expected_total = 0, total_abs = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = static_cast<double>(coef) * p[i];
      const double t = d * c[i];
      expected_total += t;
      total_abs += std::abs(t);
      EXPECT_TRUE(near(col[i], col0[i] + t, 4 * kUnitRoundoff, 1e-7)) << "col_acc " << i;
      EXPECT_TRUE(near(acc[i], acc0[i] + d * a * b[i], 5 * kUnitRoundoff, 1e-7)) << "out " << i;
    }
    EXPECT_NEAR(total, expected_total, sum_bound(n, total_abs) + 4 * kUnitRoundoff * total_abs);
    EXPECT_TRUE(col.sentinel_intact() && acc.sentinel_intact());
  }
}

TEST(Kernels, ExpSumOfExtremeArguments) {
  // Large negative arguments (softmax of a far-off logit) give ~0, never NaN or garbage from the
  // exponent bits; 0 gives exactly 1 and the largest finite arguments stay finite.
  const float x[] = {-1000.0f, -87.0f, 0.0f, 88.0f, 60.0f};
  for (const kernels::KernelTable* k : tables()) {
    float out[5];
    const float total = k->exp_sum(x, 0.0f, 1.0f, out, 5);
    EXPECT_GE(out[0], 0.0f) << k->name;
    EXPECT_LT(out[0], 1e-37f) << k->name;
    EXPECT_TRUE(near(out[1], std::exp(-87.0), 3e-7, 0.0)) << k->name;
    EXPECT_EQ(out[2], 1.0f) << k->name;
    EXPECT_TRUE(near(out[3], std::exp(88.0), 3e-7, 0.0)) << k->name;
    EXPECT_TRUE(std::isfinite(total)) << k->name;
  }
}

TEST_P(KernelsTest, AdamMatchesPyTorchFormula) {
  const int64_t n = GetParam();
  kernels::AdamStep step;
  step.beta1 = 0.8f;
  step.beta2 = 0.99f;
  step.eps = 1e-6f;
  step.step_size = 0.01f / (1.0f - 0.8f * 0.8f);                 // lr / (1 - beta1^t), t = 2
  step.inv_bias2_sqrt = 1.0f / std::sqrt(1.0f - 0.99f * 0.99f);  // 1 / sqrt(1 - beta2^t)
  step.decoupled_decay = 0.01f * 0.1f;                           // lr * weight_decay (AdamW)
  for (const kernels::KernelTable* k : tables()) {
    SCOPED_TRACE(k->name);
    Rng rng(static_cast<uint32_t>(n) + 200);
    Buffer w(n, rng, -1.0f, 1.0f), m(n, rng, -0.1f, 0.1f), v(n, rng, 0.0f, 0.01f),
        g(n, rng, -1.0f, 1.0f);
    const Buffer w0 = w, m0 = m, v0 = v;
    k->adam(w.data(), m.data(), v.data(), g.data(), n, step);
    for (int64_t i = 0; i < n; ++i) {
      const double mi = step.beta1 * static_cast<double>(m0[i]) + (1.0 - step.beta1) * g[i];
      const double vi =
          step.beta2 * static_cast<double>(v0[i]) + (1.0 - step.beta2) * g[i] * double{g[i]};
      const double denom = std::sqrt(vi) * step.inv_bias2_sqrt + step.eps;
      const double wi = w0[i] * (1.0 - step.decoupled_decay) - step.step_size * mi / denom;
      // A handful of float roundings on O(1) values.
      EXPECT_TRUE(near(m[i], mi, 1e-5, 1e-7)) << "m " << i << ": " << m[i] << " vs " << mi;
      EXPECT_TRUE(near(v[i], vi, 1e-5, 1e-9)) << "v " << i << ": " << v[i] << " vs " << vi;
      EXPECT_TRUE(near(w[i], wi, 1e-5, 1e-6)) << "w " << i << ": " << w[i] << " vs " << wi;
    }
    EXPECT_TRUE(w.sentinel_intact() && m.sentinel_intact() && v.sentinel_intact());
  }
}

TEST_P(KernelsTest, AdagradMatchesPyTorchFormula) {
  const int64_t n = GetParam();
  const float lr = 0.1f, eps = 1e-10f;
  for (const kernels::KernelTable* k : tables()) {
    SCOPED_TRACE(k->name);
    Rng rng(static_cast<uint32_t>(n) + 300);
    Buffer w(n, rng, -1.0f, 1.0f), acc(n, rng, 0.0f, 0.5f), g(n, rng, -1.0f, 1.0f);
    const Buffer w0 = w, acc0 = acc;
    k->adagrad(w.data(), acc.data(), g.data(), n, lr, eps);
    for (int64_t i = 0; i < n; ++i) {
      const double a = acc0[i] + static_cast<double>(g[i]) * g[i];
      const double wi = w0[i] - lr * static_cast<double>(g[i]) / (std::sqrt(a) + eps);
      EXPECT_TRUE(near(acc[i], a, 1e-6, 1e-9)) << "acc " << i;
      EXPECT_TRUE(near(w[i], wi, 1e-5, 1e-6)) << "w " << i << ": " << w[i] << " vs " << wi;
    }
    EXPECT_TRUE(w.sentinel_intact() && acc.sentinel_intact());
  }
}

TEST_P(KernelsTest, GenericAndAvx2AgreeToRounding) {
  if (kernels::avx2() == nullptr) GTEST_SKIP() << "this CPU has no AVX2 + FMA";
  const int64_t n = GetParam();
  const kernels::KernelTable& g = kernels::generic();
  const kernels::KernelTable& v = *kernels::avx2();
  Rng rng(static_cast<uint32_t>(n) + 400);
  Buffer x(n, rng, -1.0f, 1.0f), y(n, rng, -1.0f, 1.0f);
  double dot_abs = 0, sum_abs = 0, squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    dot_abs += std::abs(static_cast<double>(x[i]) * y[i]);
    sum_abs += std::abs(x[i]);
    squares += static_cast<double>(x[i]) * x[i];
  }
  // Each result is within sum_bound of the exact value, so they are within twice it of each other.
  EXPECT_NEAR(g.dot(x.data(), y.data(), n), v.dot(x.data(), y.data(), n),
              2 * sum_bound(n, dot_abs));
  EXPECT_NEAR(g.sum(x.data(), n), v.sum(x.data(), n), 2 * sum_bound(n, sum_abs));
  EXPECT_NEAR(g.sum_squares(x.data(), n), v.sum_squares(x.data(), n), 2 * sum_bound(n, squares));

  Buffer e1(n, rng, 0.0f, 1.0f), e2 = e1;
  const float t1 = g.exp_sum(x.data(), 0.5f, 3.0f, e1.data(), n);
  const float t2 = v.exp_sum(x.data(), 0.5f, 3.0f, e2.data(), n);
  EXPECT_TRUE(near(t1, t2, 1e-6, 0.0)) << "exp_sum totals " << t1 << " vs " << t2;
  for (int64_t i = 0; i < n; ++i) EXPECT_TRUE(near(e1[i], e2[i], 5e-7, 0.0)) << "exp_sum " << i;

  kernels::AdamStep step;
  step.step_size = 0.05f;
  Buffer w1(n, rng, -1.0f, 1.0f), m1(n, rng, -0.1f, 0.1f), v1(n, rng, 0.0f, 0.01f);
  Buffer w2 = w1, m2 = m1, v2 = v1;
  g.adam(w1.data(), m1.data(), v1.data(), y.data(), n, step);
  v.adam(w2.data(), m2.data(), v2.data(), y.data(), n, step);
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(near(w1[i], w2[i], 1e-5, 1e-6)) << "adam w " << i;
    EXPECT_TRUE(near(m1[i], m2[i], 1e-6, 1e-8)) << "adam m " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(OddLengths, KernelsTest, ::testing::Values(1, 7, 33, 257),
                         [](const ::testing::TestParamInfo<int64_t>& param_info) {
                           std::string name = "n";  // "n" + to_string trips GCC 12's -Wrestrict
                           name += std::to_string(param_info.param);
                           return name;
                         });

TEST(Kernels, ZeroLengthReductionsAreZero) {
  for (const kernels::KernelTable* k : tables()) {
    float x = 1.0f;
    EXPECT_EQ(k->dot(&x, &x, 0), 0.0f) << k->name;
    EXPECT_EQ(k->sum(&x, 0), 0.0f) << k->name;
    EXPECT_EQ(k->sum_squares(&x, 0), 0.0f) << k->name;
  }
}

TEST(Kernels, ActiveTableIsOneOfTheBuilds) {
  const kernels::KernelTable& active = kernels::active();
  EXPECT_TRUE(&active == &kernels::generic() || &active == kernels::avx2()) << active.name;
  EXPECT_STREQ(kernels::generic().name, "generic");
  if (kernels::avx2() != nullptr) {
    EXPECT_STREQ(kernels::avx2()->name, "avx2+fma");
  }
}

}  // namespace
}  // namespace tessera
