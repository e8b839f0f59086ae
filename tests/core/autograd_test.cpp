// The tape itself: gradients reaching parameters and leaves, accumulation, seeds, constants, and
// the errors the graph raises for misuse (non-scalar losses, foreign Vars, wrong shapes).
#include "tessera/core/autograd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gradcheck.h"
#include "tessera/core/check.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;
using testing::random_tensor;
using testing::Rng;
using testing::tensor_near;

TEST(Graph, ParameterGradientsAccumulateIntoParameterGrad) {
  // loss = sum(x W) => dW[k][j] = sum_i x[i][k], the same for every column j.
  Parameter w = Parameter::dense("w", Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  const Tensor x = Tensor::from({2, 2}, {1, 2, 3, 4});
  Graph g;
  const Var loss = sum(matmul(g.constant(x), g.param(w)));
  EXPECT_FLOAT_EQ(loss.item(), 1 * 1 + 1 * 2 + 1 * 3 + 2 * 4 + 2 * 5 + 2 * 6 + 3 * 1 + 3 * 2 +
                                   3 * 3 + 4 * 4 + 4 * 5 + 4 * 6);
  g.backward(loss);
  EXPECT_EQ(w.grad.to_vector(), (std::vector<float>{4, 4, 4, 6, 6, 6}));

  // A second backward (another step without zero_grad) adds to the same buffer.
  Graph g2;
  g2.backward(sum(matmul(g2.constant(x), g2.param(w))));
  EXPECT_EQ(w.grad.to_vector(), (std::vector<float>{8, 8, 8, 12, 12, 12}));
  w.zero_grad();
  EXPECT_EQ(w.grad.to_vector(), std::vector<float>(6, 0.0f));
}

TEST(Graph, ParameterUsedTwiceGetsBothContributions) {
  Parameter p = Parameter::dense("p", Tensor::from({3}, {1, 2, 3}));
  Graph g;
  // loss = sum(p * p) + sum(3 p) => dp = 2p + 3.
  g.backward(add(sum(mul(g.param(p), g.param(p))), sum(scale(g.param(p), 3.0f))));
  EXPECT_EQ(p.grad.to_vector(), (std::vector<float>{5, 7, 9}));
}

TEST(Graph, SeedScalesTheGradient) {
  Graph g;
  const Var x = g.leaf(Tensor::from({2}, {1.0f, -2.0f}));
  g.backward(sum(scale(x, 3.0f)), 0.5f);
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1.5f, 1.5f}));
}

TEST(Graph, ConstantsGetNoGradientAndDoNotPropagate) {
  Graph g;
  const Var c = g.constant(Tensor::from({2}, {1, 2}));
  const Var x = g.leaf(Tensor::from({2}, {3, 4}));
  const Var y = mul(c, x);
  EXPECT_FALSE(c.requires_grad());
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(add(c, c).requires_grad());
  g.backward(sum(y));
  EXPECT_FALSE(c.grad().defined());
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 2}));
}

TEST(Graph, IntermediateGradientsAreReadable) {
  Graph g;
  const Var x = g.leaf(Tensor::from({1, 2}, {1, 2}));
  const Var h = scale(x, 2.0f);
  g.backward(sum(mul(h, h)));  // d/dh sum(h^2) = 2h = 4x
  EXPECT_EQ(h.grad().to_vector(), (std::vector<float>{4, 8}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{8, 16}));
}

TEST(Graph, ClearDropsTheTape) {
  Graph g;
  const Var x = g.leaf(Tensor::zeros({2}));
  (void)sum(x);
  EXPECT_EQ(g.size(), 2);
  g.clear();
  EXPECT_EQ(g.size(), 0);
  EXPECT_THROW((void)x.value(), Error);  // the Var's node is gone
}

TEST(Graph, CustomNodeThroughRecord) {
  // Graph::record is the extension point for ops outside autograd.cpp (the gradcheck's weighted
  // sum uses it): its backward receives the output gradient.
  Graph g;
  const Var x = g.leaf(Tensor::from({3}, {1, 2, 3}));
  const Tensor w = Tensor::from({3}, {0.5f, -1.0f, 2.0f});
  const Var loss = testing::weighted_sum(x, w);
  EXPECT_FLOAT_EQ(loss.item(), 0.5f - 2.0f + 6.0f);
  g.backward(loss);
  EXPECT_EQ(x.grad().to_vector(), w.to_vector());
}

// ---------------------------------------------------------------- errors

TEST(GraphErrors, BackwardNeedsAOneElementLoss) {
  Graph g;
  const Var x = g.leaf(Tensor::zeros({2, 3}));
  EXPECT_THAT(error_message([&] { g.backward(tanh(x)); }), HasSubstr("one-element"));
  EXPECT_THAT(error_message([&] { (void)tanh(x).item(); }), HasSubstr("item()"));
}

TEST(GraphErrors, BackwardNeedsSomethingTrainable) {
  Graph g;
  const Var c = g.constant(Tensor::zeros({2}));
  EXPECT_THAT(error_message([&] { g.backward(sum(c)); }), HasSubstr("trainable"));
}

TEST(GraphErrors, VarsOfDifferentGraphsDoNotMix) {
  Graph g1, g2;
  const Var a = g1.leaf(Tensor::zeros({2}));
  const Var b = g2.leaf(Tensor::zeros({2}));
  EXPECT_THAT(error_message([&] { (void)add(a, b); }), HasSubstr("different graphs"));
  EXPECT_THROW(g1.backward(sum(b)), Error);
}

TEST(GraphErrors, EmptyVarThrows) {
  const Var v;
  EXPECT_THROW((void)v.value(), Error);
  EXPECT_FALSE(v.requires_grad());
}

TEST(GraphErrors, SparseParameterIsNotADenseInput) {
  Parameter table = Parameter::sparse_rows("table", Tensor::zeros({4, 2}));
  Graph g;
  EXPECT_THAT(error_message([&] { g.param(table); }), HasSubstr("embedding_bag"));
}

TEST(GraphErrors, WrongShapesIntoOpsThrow) {
  Graph g;
  const Var a = g.leaf(Tensor::zeros({2, 3}));
  const Var b = g.leaf(Tensor::zeros({3, 2}));
  const Var v4 = g.leaf(Tensor::zeros({4}));
  EXPECT_THAT(error_message([&] { (void)add(a, b); }), HasSubstr("add"));
  EXPECT_THAT(error_message([&] { (void)sub(a, b); }), HasSubstr("sub"));
  EXPECT_THAT(error_message([&] { (void)mul(a, b); }), HasSubstr("mul"));
  EXPECT_THAT(error_message([&] { (void)matmul(a, a); }), HasSubstr("inner dimensions"));
  EXPECT_THAT(error_message([&] { (void)add_bias(a, v4); }), HasSubstr("bias"));
  EXPECT_THAT(error_message([&] { (void)layer_norm(a, v4, v4); }), HasSubstr("gamma"));
  EXPECT_THAT(error_message([&] { (void)mse(a, b); }), HasSubstr("mse"));
  EXPECT_THAT(error_message([&] { (void)cosine_loss(a, b); }), HasSubstr("cosine"));
  EXPECT_THROW((void)prefix(a, 4), Error);
  EXPECT_THROW((void)slice_rows(a, 1, 3), Error);
  EXPECT_THROW((void)slice_rows(v4, 0, 1), Error);  // slice_rows needs 2-d
}

TEST(GraphErrors, CrossEntropyChecksTargets) {
  Graph g;
  const Var logits = g.leaf(Tensor::zeros({2, 3}));
  EXPECT_THAT(error_message([&] { (void)cross_entropy(logits, {0, 3}); }), HasSubstr("target 3"));
  EXPECT_THAT(error_message([&] { (void)cross_entropy(logits, {0, -1}); }), HasSubstr("target -1"));
  EXPECT_THAT(error_message([&] { (void)cross_entropy(logits, {0}); }), HasSubstr("1 targets"));
  EXPECT_THROW((void)cross_entropy(g.leaf(Tensor::zeros({3})), {0}), Error);  // 1-d logits
}

}  // namespace
}  // namespace tessera
