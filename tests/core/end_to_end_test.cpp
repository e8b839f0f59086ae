// End to end: small models trained with the ops and optimizers together reach the accuracy the
// task allows (XOR needs the hidden layer; the blobs are linearly separable by construction).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tessera/core/autograd.h"
#include "tessera/core/optimizer.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::random_tensor;
using testing::Rng;

// Fraction of rows whose largest logit is the target.
double accuracy(const Tensor& logits, const std::vector<int32_t>& targets) {
  int correct = 0;
  for (int64_t r = 0; r < logits.rows(); ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < logits.cols(); ++c) {
      if (logits.row(r)[c] > logits.row(r)[best]) best = c;
    }
    correct += best == targets[static_cast<size_t>(r)];
  }
  return static_cast<double>(correct) / static_cast<double>(logits.rows());
}

TEST(EndToEnd, MlpLearnsXor) {
  Rng rng(7);
  const Tensor x = Tensor::from({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  const std::vector<int32_t> y = {0, 1, 1, 0};
  Parameter w1 = Parameter::dense("w1", random_tensor({2, 8}, rng));
  Parameter b1 = Parameter::dense("b1", Tensor::zeros({8}));
  Parameter w2 = Parameter::dense("w2", random_tensor({8, 2}, rng));
  Parameter b2 = Parameter::dense("b2", Tensor::zeros({2}));
  Adam opt({&w1, &b1, &w2, &b2});

  float first_loss = 0, last_loss = 0;
  Tensor logits;
  for (int step = 0; step < 400; ++step) {
    Graph g;
    const Var h = tanh(add_bias(matmul(g.constant(x), g.param(w1)), g.param(b1)));
    const Var out = add_bias(matmul(h, g.param(w2)), g.param(b2));
    const Var loss = cross_entropy(out, y);
    g.backward(loss);
    opt.step(0.05f);
    opt.zero_grad();
    if (step == 0) first_loss = loss.item();
    last_loss = loss.item();
    logits = out.value();
  }
  EXPECT_EQ(accuracy(logits, y), 1.0);
  EXPECT_LT(last_loss, 0.1f);  // ln 2 = 0.69 is chance
  EXPECT_LT(last_loss, first_loss);
}

TEST(EndToEnd, LinearProbeOnSeparableBlobs) {
  // Three Gaussian-ish blobs in 10 dimensions with centres 4 apart and noise in [-1, 1] per
  // coordinate: separable by a linear map, so a softmax probe must reach >= 99%.
  Rng rng(11);
  const int64_t n = 300, dim = 10, classes = 3;
  Tensor centres = random_tensor({classes, dim}, rng, -2.0f, 2.0f);
  for (int64_t k = 0; k < classes; ++k) centres.row(k)[k] += 4.0f;  // pull centres apart
  Tensor x = Tensor::empty({n, dim});
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int32_t k = static_cast<int32_t>(i % classes);
    y[static_cast<size_t>(i)] = k;
    for (int64_t c = 0; c < dim; ++c) x.row(i)[c] = centres.row(k)[c] + rng.uniform(-1.0f, 1.0f);
  }
  Parameter w = Parameter::dense("w", Tensor::zeros({dim, classes}));
  Parameter b = Parameter::dense("b", Tensor::zeros({classes}));
  Adam opt({&w, &b});
  auto logits = [&](Graph& g) { return add_bias(matmul(g.constant(x), g.param(w)), g.param(b)); };
  for (int step = 0; step < 200; ++step) {
    Graph g;
    g.backward(cross_entropy(logits(g), y));
    opt.step(0.05f);
    opt.zero_grad();
  }
  Graph g;  // the accuracy of the trained weights, not of the last step's forward pass
  EXPECT_GE(accuracy(logits(g).value(), y), 0.99);
}

}  // namespace
}  // namespace tessera
