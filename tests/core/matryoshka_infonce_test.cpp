// Matryoshka InfoNCE: the loss against a naive double-precision computation, its gradients
// against finite differences, and the op against the same loss composed by hand from prefix,
// l2_normalize, matmul, scale and cross_entropy.
#include "tessera/train/matryoshka_infonce.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradcheck.h"
#include "tessera/core/check.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::check_gradients;
using testing::GradCheckOptions;
using testing::random_tensor;
using testing::Rng;
using testing::tensor_near;

// sum_p weight_p * mean_i -log softmax_j(scale * cos(q_i[:p], d_j[:p]))[i], in double.
double naive_loss(const Tensor& q, const Tensor& d, const MatryoshkaInfoNceOptions& o) {
  std::vector<int64_t> prefixes = o.prefixes;
  if (prefixes.empty()) prefixes.push_back(q.cols());
  double total = 0;
  for (size_t k = 0; k < prefixes.size(); ++k) {
    const int64_t p = prefixes[k];
    auto norm = [p](const Tensor& t, int64_t r) {
      double s = 0;
      for (int64_t c = 0; c < p; ++c) s += double{t.at({r, c})} * t.at({r, c});
      return std::sqrt(s);
    };
    double loss = 0;
    for (int64_t i = 0; i < q.dim(0); ++i) {
      std::vector<double> logits;
      for (int64_t j = 0; j < d.dim(0); ++j) {
        double dot = 0;
        for (int64_t c = 0; c < p; ++c) dot += double{q.at({i, c})} * d.at({j, c});
        logits.push_back(o.scale * dot / (norm(q, i) * norm(d, j)));
      }
      double max = logits[0], sum = 0;
      for (double l : logits) max = std::max(max, l);
      for (double l : logits) sum += std::exp(l - max);
      loss +=
          (max + std::log(sum) - logits[static_cast<size_t>(i)]) / static_cast<double>(q.dim(0));
    }
    total += (o.weights.empty() ? 1.0 : o.weights[k]) * loss;
  }
  return total;
}

MatryoshkaInfoNceOptions three_prefixes(float scale) {
  MatryoshkaInfoNceOptions o;
  o.prefixes = {2, 4, 8};
  o.weights = {0.5f, 1.0f, 2.0f};
  o.scale = scale;
  return o;
}

TEST(MatryoshkaInfoNce, ForwardMatchesNaiveLoss) {
  Rng rng(1);
  // 4 queries; 6 documents = 4 positives + 2 hard negatives.
  const Tensor q = random_tensor({4, 8}, rng);
  const Tensor d = random_tensor({6, 8}, rng);
  for (const MatryoshkaInfoNceOptions& o :
       {three_prefixes(20.0f), three_prefixes(5.0f), MatryoshkaInfoNceOptions{}}) {
    Graph g;
    const double expected = naive_loss(q, d, o);
    // A few float roundings on a loss of O(1..10).
    EXPECT_NEAR(matryoshka_infonce(g.constant(q), g.constant(d), o).item(), expected,
                1e-5 * std::abs(expected) + 1e-6);
  }
}

TEST(MatryoshkaInfoNce, GradientsMatchFiniteDifferences) {
  Rng rng(2);
  // Inputs in [-2, 2]: short prefixes then have norms well away from 0, where normalization
  // would make the loss too curved for a central difference to resolve.
  const Tensor q = random_tensor({4, 8}, rng, -2.0f, 2.0f);
  const Tensor d = random_tensor({6, 8}, rng, -2.0f, 2.0f);
  GradCheckOptions options;
  options.eps = 3e-3;  // the loss is curved (scale 5 on cosines); a smaller step keeps O(eps^2) low
  const MatryoshkaInfoNceOptions o = three_prefixes(5.0f);
  EXPECT_TRUE(check_gradients(
      [&](std::span<const Var> v) { return matryoshka_infonce(v[0], v[1], o); }, {q, d}, options));
}

TEST(MatryoshkaInfoNce, EqualsTheLossComposedByHand) {
  Rng rng(3);
  const Tensor q = random_tensor({4, 8}, rng);
  const Tensor d = random_tensor({6, 8}, rng);
  const MatryoshkaInfoNceOptions o = three_prefixes(20.0f);

  Graph g1;
  const Var q1 = g1.leaf(q.clone()), d1 = g1.leaf(d.clone());
  const Var loss1 = matryoshka_infonce(q1, d1, o);
  g1.backward(loss1);

  Graph g2;
  const Var q2 = g2.leaf(q.clone()), d2 = g2.leaf(d.clone());
  Var loss2;
  for (size_t k = 0; k < o.prefixes.size(); ++k) {
    const Var qn = l2_normalize(prefix(q2, o.prefixes[k]));
    const Var dn = l2_normalize(prefix(d2, o.prefixes[k]));
    const Var term = scale(cross_entropy(scale(matmul(qn, dn, false, true), o.scale), {0, 1, 2, 3}),
                           o.weights[k]);
    loss2 = k == 0 ? term : add(loss2, term);
  }
  g2.backward(loss2);

  // The fused op sums the prefix blocks in another order and uses an approximate exp (2 ulp):
  // equal to a few float roundings of values of O(1), gradients of O(scale / B).
  EXPECT_NEAR(loss1.item(), loss2.item(), 1e-5 * std::abs(loss2.item()));
  EXPECT_TRUE(tensor_near(q1.grad(), q2.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(tensor_near(d1.grad(), d2.grad(), 1e-4, 1e-5));

  // And the library's own composed reference agrees with the one built here.
  Graph g3;
  const Var q3 = g3.leaf(q.clone()), d3 = g3.leaf(d.clone());
  const Var loss3 = matryoshka_infonce_reference(q3, d3, o);
  g3.backward(loss3);
  EXPECT_NEAR(loss3.item(), loss2.item(), 1e-6 * std::abs(loss2.item()));
  EXPECT_TRUE(tensor_near(q3.grad(), q2.grad(), 1e-6, 1e-7));
}

TEST(MatryoshkaInfoNce, FusedEqualsComposedOnALargerThreadedBatch) {
  // Batch and width past the parallel thresholds of the fused forward and backward (row loops,
  // per-chunk partial sums of the document norms, parallel matmul).
  testing::ScopedNumThreads threads(3);
  Rng rng(5);
  const Tensor q = random_tensor({96, 64}, rng);
  const Tensor d = random_tensor({128, 64}, rng);
  MatryoshkaInfoNceOptions o;
  o.prefixes = {8, 16, 64};
  o.weights = {1.0f, 0.5f, 0.25f};
  Graph g1, g2;
  const Var q1 = g1.leaf(q.clone()), d1 = g1.leaf(d.clone());
  const Var q2 = g2.leaf(q.clone()), d2 = g2.leaf(d.clone());
  const Var fused = matryoshka_infonce(q1, d1, o);
  const Var composed = matryoshka_infonce_reference(q2, d2, o);
  g1.backward(fused);
  g2.backward(composed);
  EXPECT_NEAR(fused.item(), composed.item(), 1e-5 * std::abs(composed.item()));
  EXPECT_TRUE(tensor_near(q1.grad(), q2.grad(), 1e-3, 1e-6));
  EXPECT_TRUE(tensor_near(d1.grad(), d2.grad(), 1e-3, 1e-6));
}

TEST(MatryoshkaInfoNce, OnlyOneSideNeedsAGradient) {
  // Documents from a frozen index (constants): the queries still get their gradient, and the
  // constant side gets none.
  Rng rng(6);
  const Tensor q = random_tensor({3, 8}, rng, -2.0f, 2.0f);
  const Tensor d = random_tensor({5, 8}, rng, -2.0f, 2.0f);
  GradCheckOptions options;
  options.eps = 3e-3;
  options.constant = {false, true};
  const MatryoshkaInfoNceOptions o = three_prefixes(5.0f);
  EXPECT_TRUE(check_gradients(
      [&](std::span<const Var> v) { return matryoshka_infonce(v[0], v[1], o); }, {q, d}, options));
}

TEST(MatryoshkaInfoNce, InputsMayBeViews) {
  // The encoder's output may itself be a prefix view.
  Rng rng(4);
  const Tensor q = random_tensor({3, 10}, rng, -2.0f, 2.0f).prefix_cols(6);
  const Tensor d = random_tensor({3, 10}, rng, -2.0f, 2.0f).prefix_cols(6);
  MatryoshkaInfoNceOptions o;
  o.prefixes = {3, 6};
  o.scale = 4.0f;
  GradCheckOptions options;
  options.eps = 3e-3;
  EXPECT_TRUE(check_gradients(
      [&](std::span<const Var> v) { return matryoshka_infonce(v[0], v[1], o); }, {q, d}, options));
}

TEST(MatryoshkaInfoNce, RejectsBadOptionsAndShapes) {
  Graph g;
  const Var q = g.constant(Tensor::zeros({4, 8}));
  const Var d = g.constant(Tensor::full({4, 8}, 1.0f));
  MatryoshkaInfoNceOptions o;
  o.prefixes = {4, 2};  // not ascending
  EXPECT_THROW(matryoshka_infonce(q, d, o), Error);
  o.prefixes = {4, 9};  // past the width
  EXPECT_THROW(matryoshka_infonce(q, d, o), Error);
  o.prefixes = {0};
  EXPECT_THROW(matryoshka_infonce(q, d, o), Error);
  o.prefixes = {2, 4};
  o.weights = {1.0f};  // one weight for two prefixes
  EXPECT_THROW(matryoshka_infonce(q, d, o), Error);
  EXPECT_THROW(matryoshka_infonce(q, g.constant(Tensor::zeros({3, 8})), {}),
               Error);  // too few docs
  EXPECT_THROW(matryoshka_infonce(q, g.constant(Tensor::zeros({4, 7})), {}), Error);  // widths
}

TEST(MatryoshkaInfoNce, LearnedScaleGetsTheGradientOfTheLoss) {
  Rng rng(21);
  const Tensor q = random_tensor({5, 8}, rng);
  const Tensor d = random_tensor({7, 8}, rng);
  const MatryoshkaInfoNceOptions o = three_prefixes(0.0f);  // the scale comes from the Var
  const float scale = 6.0f;
  Graph graph;
  const Var s = graph.leaf(Tensor::from({1}, {scale}));
  const Var loss = matryoshka_infonce(graph.leaf(q), graph.leaf(d), s, o);
  MatryoshkaInfoNceOptions fixed = o;
  fixed.scale = scale;
  EXPECT_NEAR(loss.item(), naive_loss(q, d, fixed), 1e-4);
  graph.backward(loss);
  const double h = 1e-3;
  fixed.scale = static_cast<float>(scale + h);
  const double up = naive_loss(q, d, fixed);
  fixed.scale = static_cast<float>(scale - h);
  const double down = naive_loss(q, d, fixed);
  EXPECT_NEAR(s.grad().data()[0], (up - down) / (2 * h), 1e-3);
}

}  // namespace
}  // namespace tessera
