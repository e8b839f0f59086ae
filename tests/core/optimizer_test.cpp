// Optimizers against PyTorch's update formulas written out in double (torch.optim.SGD, Adagrad,
// Adam, AdamW), and the sparse-row updates against the dense update on the rows a step touched.
// Tolerance: rel 1e-5 + abs 1e-6 (a few float roundings per step, over three steps).
#include "tessera/core/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <set>
#include <vector>

#include "tessera/core/check.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::random_tensor;
using testing::Rng;
using testing::tensor_identical;
using testing::tensor_near;

constexpr double kRel = 1e-5;
constexpr double kAbs = 1e-6;

const std::vector<float> kInitial = {0.5f, -1.0f, 2.0f, 0.0f, -0.25f, 1.5f};
// One gradient per step; mixed signs and magnitudes, one exact zero.
const std::vector<std::vector<float>> kGrads = {{0.1f, -0.2f, 0.3f, 0.0f, 1.0f, -0.5f},
                                                {-0.3f, 0.1f, 0.2f, 0.4f, -1.0f, 0.05f},
                                                {0.2f, 0.2f, -0.1f, -0.4f, 0.5f, 0.0f}};
constexpr float kLr = 0.1f;

Parameter make_param() { return Parameter::dense("w", Tensor::from({2, 3}, kInitial)); }

void set_grad(Parameter& p, const std::vector<float>& g) {
  std::copy(g.begin(), g.end(), p.grad.data());
}

// Runs the optimizer over kGrads and returns the value after each step.
std::vector<Tensor> run(Optimizer& opt, Parameter& p, float lr = kLr) {
  std::vector<Tensor> out;
  for (const auto& g : kGrads) {
    set_grad(p, g);
    opt.step(lr);
    out.push_back(p.value.clone());
  }
  return out;
}

// ---------------------------------------------------------------- references (PyTorch)

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// torch.optim.SGD(lr, momentum, weight_decay), dampening = 0, nesterov = False.
std::vector<std::vector<double>> sgd_reference(double lr, double momentum, double weight_decay) {
  std::vector<double> w = as_double(kInitial), buf(w.size(), 0.0);
  std::vector<std::vector<double>> out;
  for (size_t t = 0; t < kGrads.size(); ++t) {
    for (size_t i = 0; i < w.size(); ++i) {
      double d = kGrads[t][i] + weight_decay * w[i];
      if (momentum != 0.0) {
        buf[i] = t == 0 ? d : momentum * buf[i] + d;  // PyTorch clones d into the buffer first
        d = buf[i];
      }
      w[i] -= lr * d;
    }
    out.push_back(w);
  }
  return out;
}

// torch.optim.Adagrad(lr, lr_decay=0, weight_decay=0, initial_accumulator_value, eps).
std::vector<std::vector<double>> adagrad_reference(double lr, double initial, double eps) {
  std::vector<double> w = as_double(kInitial);
  std::vector<double> sum = as_double(kInitial);
  std::fill(sum.begin(), sum.end(), initial);
  std::vector<std::vector<double>> out;
  for (const auto& g : kGrads) {
    for (size_t i = 0; i < w.size(); ++i) {
      sum[i] += double{g[i]} * g[i];
      w[i] -= lr * g[i] / (std::sqrt(sum[i]) + eps);
    }
    out.push_back(w);
  }
  return out;
}

// torch.optim.Adam (decoupled = false) or AdamW (decoupled = true), amsgrad = False.
std::vector<std::vector<double>> adam_reference(double lr, double b1, double b2, double eps,
                                                double weight_decay, bool decoupled) {
  std::vector<double> w = as_double(kInitial), m(w.size(), 0.0), v(w.size(), 0.0);
  std::vector<std::vector<double>> out;
  for (size_t step = 1; step <= kGrads.size(); ++step) {
    const double bias1 = 1.0 - std::pow(b1, static_cast<double>(step));
    const double bias2 = 1.0 - std::pow(b2, static_cast<double>(step));
    for (size_t i = 0; i < w.size(); ++i) {
      double g = kGrads[step - 1][i];
      if (decoupled) {
        w[i] *= 1.0 - lr * weight_decay;
      } else {
        g += weight_decay * w[i];
      }
      m[i] = b1 * m[i] + (1.0 - b1) * g;
      v[i] = b2 * v[i] + (1.0 - b2) * g * g;
      const double denom = std::sqrt(v[i]) / std::sqrt(bias2) + eps;
      w[i] -= lr / bias1 * m[i] / denom;
    }
    out.push_back(w);
  }
  return out;
}

void expect_steps(const std::vector<Tensor>& got, const std::vector<std::vector<double>>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t t = 0; t < got.size(); ++t) {
    EXPECT_TRUE(tensor_near(got[t], want[t], kRel, kAbs)) << "after step " << t + 1;
  }
}

// ---------------------------------------------------------------- dense updates

TEST(Sgd, PlainSteps) {
  Parameter p = make_param();
  Sgd opt({&p});
  expect_steps(run(opt, p), sgd_reference(kLr, 0.0, 0.0));
  EXPECT_EQ(opt.steps_taken(), 3);
}

TEST(Sgd, MomentumAndWeightDecay) {
  Parameter p = make_param();
  Sgd opt({&p}, {.momentum = 0.9f, .weight_decay = 0.01f});
  expect_steps(run(opt, p), sgd_reference(kLr, 0.9, 0.01));
}

TEST(Sgd, WeightDecayWithoutMomentum) {
  Parameter p = make_param();
  Sgd opt({&p}, {.momentum = 0.0f, .weight_decay = 0.1f});
  expect_steps(run(opt, p), sgd_reference(kLr, 0.0, 0.1));
}

TEST(Adagrad, Steps) {
  Parameter p = make_param();
  Adagrad opt({&p}, {.eps = 1e-10f, .initial_accumulator = 0.1f});
  expect_steps(run(opt, p, 0.5f), adagrad_reference(0.5, 0.1, 1e-10));
}

TEST(Adagrad, ZeroInitialAccumulator) {
  // The first step of a zero gradient divides 0 by eps: the weight must not move (nor be NaN).
  Parameter p = make_param();
  Adagrad opt({&p});
  expect_steps(run(opt, p, 0.5f), adagrad_reference(0.5, 0.0, 1e-10));
}

TEST(Adam, Steps) {
  Parameter p = make_param();
  Adam opt({&p});
  expect_steps(run(opt, p), adam_reference(kLr, 0.9, 0.999, 1e-8, 0.0, false));
}

TEST(Adam, OtherBetas) {
  Parameter p = make_param();
  Adam opt({&p}, {.beta1 = 0.5f, .beta2 = 0.9f, .eps = 1e-3f});
  expect_steps(run(opt, p), adam_reference(kLr, 0.5, 0.9, 1e-3, 0.0, false));
}

TEST(Adam, CoupledWeightDecay) {
  Parameter p = make_param();
  Adam opt({&p}, {.weight_decay = 0.1f});
  expect_steps(run(opt, p), adam_reference(kLr, 0.9, 0.999, 1e-8, 0.1, false));
}

TEST(AdamW, DecoupledWeightDecay) {
  Parameter p = make_param();
  Adam opt({&p}, {.weight_decay = 0.1f, .decoupled = true});
  expect_steps(run(opt, p), adam_reference(kLr, 0.9, 0.999, 1e-8, 0.1, true));
}

TEST(Adam, StepLeavesTheGradientUnchanged) {
  // PyTorch adds the L2 term out of place (grad = grad.add(param, alpha=wd)): p.grad still holds
  // d loss / d w after the step, for gradient-norm logging, clipping statistics, or accumulation.
  Parameter p = make_param();
  Adam opt({&p}, {.weight_decay = 0.1f});
  set_grad(p, kGrads[0]);
  const Tensor before = p.grad.clone();
  opt.step(kLr);
  EXPECT_TRUE(tensor_identical(p.grad, before)) << "Adam with weight decay modified p.grad";
}

TEST(Optimizer, SeveralParametersAndZeroGrad) {
  Parameter a = make_param();
  Parameter b = Parameter::dense("b", Tensor::from({6}, kInitial));
  Sgd opt({&a, &b});
  set_grad(a, kGrads[0]);
  set_grad(b, kGrads[1]);
  opt.step(kLr);
  for (size_t i = 0; i < kInitial.size(); ++i) {
    EXPECT_FLOAT_EQ(a.value.data()[i], kInitial[i] - kLr * kGrads[0][i]);
    EXPECT_FLOAT_EQ(b.value.data()[i], kInitial[i] - kLr * kGrads[1][i]);
  }
  opt.zero_grad();
  for (float g : a.grad.to_vector()) EXPECT_EQ(g, 0.0f);
  for (float g : b.grad.to_vector()) EXPECT_EQ(g, 0.0f);
}

TEST(Optimizer, RejectsBadLearningRatesAndOptions) {
  Parameter p = make_param();
  Sgd sgd({&p});
  EXPECT_THROW(sgd.step(-0.1f), Error);
  EXPECT_THROW(sgd.step(std::numeric_limits<float>::quiet_NaN()), Error);
  EXPECT_THROW(sgd.step(std::numeric_limits<float>::infinity()), Error);
  EXPECT_EQ(p.value.to_vector(), kInitial) << "a rejected step changed the weights";
  EXPECT_THROW(Adam({&p}, {.beta1 = 1.0f}), Error);
  EXPECT_THROW(Adam({&p}, {.beta2 = -0.1f}), Error);
  EXPECT_THROW(Sgd({nullptr}), Error);
}

// ---------------------------------------------------------------- sparse rows

using OptimizerFactory = std::function<std::unique_ptr<Optimizer>(std::vector<Parameter*>)>;

struct SparseCase {
  const char* name;
  OptimizerFactory make;
};

// Test names and failure messages show the case's name, not its bytes.
// GoogleTest finds the printer by this name.
void PrintTo(const SparseCase& c, std::ostream* os) {  // NOLINT(readability-identifier-naming)
  *os << c.name;
}

class SparseRows : public ::testing::TestWithParam<SparseCase> {
 protected:
  void run_against_dense(bool read_values_first);
};

// The rows touched at each step: the same set every step (so the lazy sparse update and the
// dense one see the same history on them), in a different first-touch order at step 3.
const std::vector<std::vector<int32_t>> kTouched = {{1, 4, 6}, {6, 1, 4}, {4, 6, 1}};

// read_values_first: the gradient was already summed (values() read it, as a gradient-norm
// log would) before the step, so the optimizer takes the summed path rather than summing pending
// rows itself.
void SparseRows::run_against_dense(bool read_values_first) {
  Rng rng(1);
  const Tensor initial = random_tensor({8, 5}, rng);
  Parameter dense = Parameter::dense("dense", initial.clone());
  Parameter sparse = Parameter::sparse_rows("sparse", initial.clone());
  auto dense_opt = GetParam().make({&dense});
  auto sparse_opt = GetParam().make({&sparse});

  for (const auto& rows : kTouched) {
    dense_opt->zero_grad();
    sparse_opt->zero_grad();
    const Tensor g = random_tensor({static_cast<int64_t>(rows.size()), 5}, rng);
    testing::add_sparse_grad(sparse, rows, g);
    if (read_values_first) (void)sparse.sparse_grad.values();
    for (size_t i = 0; i < rows.size(); ++i) {
      for (int64_t c = 0; c < 5; ++c)
        dense.grad.at({rows[i], c}) = g.row(static_cast<int64_t>(i))[c];
    }
    dense_opt->step(0.05f);
    sparse_opt->step(0.05f);
  }

  const std::set<int32_t> touched(kTouched[0].begin(), kTouched[0].end());
  for (int64_t r = 0; r < 8; ++r) {
    const Tensor sparse_row = sparse.value.slice_rows(r, r + 1);
    if (touched.count(static_cast<int32_t>(r)) != 0) {
      EXPECT_TRUE(tensor_near(sparse_row, dense.value.slice_rows(r, r + 1), kRel, kAbs))
          << "touched row " << r;
    } else {
      EXPECT_TRUE(tensor_identical(sparse_row, initial.slice_rows(r, r + 1)))
          << "untouched row " << r << " moved";
    }
  }
}

TEST_P(SparseRows, EqualTheDenseUpdateOnTouchedRows) { run_against_dense(false); }
TEST_P(SparseRows, EqualTheDenseUpdateAfterTheGradientWasRead) { run_against_dense(true); }

INSTANTIATE_TEST_SUITE_P(
    AllOptimizers, SparseRows,
    ::testing::Values(SparseCase{"Sgd", [](auto p) { return std::make_unique<Sgd>(p); }},
                      SparseCase{"SgdMomentum",
                                 [](auto p) {
                                   return std::make_unique<Sgd>(p, SgdOptions{.momentum = 0.9f});
                                 }},
                      SparseCase{"Adagrad",
                                 [](auto p) {
                                   return std::make_unique<Adagrad>(
                                       p, AdagradOptions{.initial_accumulator = 0.1f});
                                 }},
                      SparseCase{"Adam", [](auto p) { return std::make_unique<Adam>(p); }},
                      SparseCase{"AdamW",
                                 [](auto p) {
                                   return std::make_unique<Adam>(
                                       p, AdamOptions{.weight_decay = 0.1f, .decoupled = true});
                                 }}),
    [](const ::testing::TestParamInfo<SparseCase>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(SparseAdam, IsLazyWithGlobalBiasCorrection) {
  // Row 0 has gradient at steps 1 and 3 only: its moments do not decay at step 2, and step 3
  // corrects bias with t = 3 (PyTorch SparseAdam).
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.1;
  Parameter table = Parameter::sparse_rows("t", Tensor::from({2, 1}, {1.0f, -1.0f}));
  Adam opt({&table});
  auto step_with = [&](int32_t row, float g) {
    opt.zero_grad();
    testing::add_sparse_grad(table, {row}, Tensor::from({1, 1}, {g}));
    opt.step(static_cast<float>(lr));
  };
  step_with(0, 0.5f);
  step_with(1, 2.0f);
  step_with(0, -0.3f);

  double w = 1.0, m = 0.0, v = 0.0;
  auto reference = [&](double g, int t) {
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    w -= lr / (1 - std::pow(b1, t)) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(b2, t)) + eps);
  };
  reference(0.5, 1);
  reference(-0.3, 3);
  EXPECT_NEAR(table.value.at({0, 0}), w, kRel * std::abs(w) + kAbs);
}

TEST(SparseOptimizer, WeightDecayShrinksOnlyTheRowsAStepTouches) {
  // A zero gradient on row 0: Adam moves nothing, the decay scales it by 1 - lr * decay.
  Parameter table = Parameter::sparse_rows("t", Tensor::from({2, 2}, {1.0f, -2.0f, 3.0f, 4.0f}));
  auto opt = make_sparse_optimizer(SparseOptimizerKind::kAdam, {&table}, 2.0f);
  testing::add_sparse_grad(table, {0}, Tensor::zeros({1, 2}));
  opt->step(0.1f);
  EXPECT_FLOAT_EQ(table.value.at({0, 0}), 0.8f);
  EXPECT_FLOAT_EQ(table.value.at({0, 1}), -1.6f);
  EXPECT_FLOAT_EQ(table.value.at({1, 0}), 3.0f);  // untouched: no decay
  EXPECT_THROW((void)make_sparse_optimizer(SparseOptimizerKind::kAdagrad, {&table}, 1.0f), Error);
  EXPECT_THROW((void)make_sparse_optimizer(SparseOptimizerKind::kAdam, {&table}, -1.0f), Error);
}

TEST(SparseSgd, StepLeavesUntouchedRowsAndWorksOnManyRows) {
  // 300 touched rows: the sparse row loop splits across the pool.
  testing::ScopedNumThreads threads(3);
  Rng rng(2);
  const Tensor initial = random_tensor({1000, 4}, rng);
  Parameter table = Parameter::sparse_rows("t", initial.clone());
  Sgd opt({&table});
  std::vector<int32_t> rows;
  for (int32_t r = 0; r < 1000; r += 3) rows.push_back(r);
  testing::add_sparse_grad(table, rows, Tensor::full({static_cast<int64_t>(rows.size()), 4}, 1.0f));
  opt.step(0.5f);
  for (int64_t r = 0; r < 1000; ++r) {
    const float shift = r % 3 == 0 ? 0.5f : 0.0f;
    for (int64_t c = 0; c < 4; ++c) {
      EXPECT_FLOAT_EQ(table.value.at({r, c}), initial.at({r, c}) - shift) << r << ", " << c;
    }
  }
}

}  // namespace
}  // namespace tessera
