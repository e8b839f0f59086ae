// Embedding-bag: pooled forward against a naive loop; the sparse row gradient against the dense
// reference embedding_bag_backward_dense and against finite differences on the table; the
// SparseRowGrad bookkeeping (first-touch order, clear, accumulation across calls); Bags.
#include "tessera/core/embedding_bag.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "gradcheck.h"
#include "tessera/core/autograd.h"
#include "tessera/core/check.h"
#include "tessera/core/parameter.h"
#include "test_support.h"

namespace tessera {
namespace {

using testing::densify;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::random_tensor;
using testing::Rng;
using testing::ScopedNumThreads;
using testing::tensor_near;
using testing::weighted_sum;
using testing::weighted_sum_value;

// CSR filled directly (not through Bags::add), so these cases do not depend on add()'s checks.
Bags make_bags(const std::vector<std::vector<int32_t>>& bags,
               const std::vector<std::vector<float>>& weights = {}) {
  Bags out;
  for (size_t b = 0; b < bags.size(); ++b) {
    out.ids.insert(out.ids.end(), bags[b].begin(), bags[b].end());
    if (!weights.empty())
      out.weights.insert(out.weights.end(), weights[b].begin(), weights[b].end());
    out.offsets.push_back(static_cast<int64_t>(out.ids.size()));
  }
  return out;
}

// Repeated ids inside a bag (3, 1) and across bags (1, 3, 5), an empty bag, untouched rows
// (2, 4, 6, 8) in a table of 9.
const std::vector<std::vector<int32_t>> kBagIds = {{3, 1, 3}, {}, {0, 5, 1, 1}, {7}, {5, 3}};
const std::vector<std::vector<float>> kBagWeights = {
    {0.5f, 2.0f, -1.0f}, {}, {1.5f, 0.25f, -0.75f, 1.0f}, {3.0f}, {-2.0f, 0.5f}};
constexpr int64_t kTableRows = 9;
constexpr int64_t kDim = 4;

double reference_pool_factor(Pooling pooling, size_t n) {
  if (n == 0) return 0.0;
  switch (pooling) {
    case Pooling::kSum:
      return 1.0;
    case Pooling::kMean:
      return 1.0 / static_cast<double>(n);
    case Pooling::kSqrtN:
      return 1.0 / std::sqrt(static_cast<double>(n));
  }
  return 0.0;
}

std::vector<double> forward_ref(const Tensor& table, const std::vector<std::vector<int32_t>>& ids,
                                const std::vector<std::vector<float>>& weights, Pooling pooling) {
  std::vector<double> out;
  for (size_t b = 0; b < ids.size(); ++b) {
    const double factor = reference_pool_factor(pooling, ids[b].size());
    for (int64_t c = 0; c < table.cols(); ++c) {
      double acc = 0;
      for (size_t j = 0; j < ids[b].size(); ++j) {
        const double w = weights.empty() ? 1.0 : weights[b][j];
        acc += w * table.at({ids[b][j], c});
      }
      out.push_back(acc * factor);
    }
  }
  return out;
}

struct PoolingCase {
  Pooling pooling;
  bool weighted;
};

// GoogleTest finds the printer by this name.
void PrintTo(const PoolingCase& c, std::ostream* os) {  // NOLINT(readability-identifier-naming)
  const char* names[] = {"sum", "mean", "sqrt-n"};
  *os << names[static_cast<int>(c.pooling)] << (c.weighted ? ", weighted" : ", unweighted");
}

std::string case_name(const ::testing::TestParamInfo<PoolingCase>& param_info) {
  const char* names[] = {"Sum", "Mean", "SqrtN"};
  return std::string(names[static_cast<int>(param_info.param.pooling)]) +
         (param_info.param.weighted ? "Weighted" : "Unweighted");
}

class EmbeddingBagPooling : public ::testing::TestWithParam<PoolingCase> {
 protected:
  const std::vector<std::vector<float>>& weights() const {
    static const std::vector<std::vector<float>> none;
    return GetParam().weighted ? kBagWeights : none;
  }
};

TEST_P(EmbeddingBagPooling, ForwardMatchesNaivePooling) {
  Rng rng(1);
  const Tensor table = random_tensor({kTableRows, kDim}, rng);
  const Bags bags = make_bags(kBagIds, weights());
  Tensor out = Tensor::full({5, kDim}, 99.0f);  // the empty bag's row must be overwritten
  embedding_bag_forward(table, bags, GetParam().pooling, out);
  EXPECT_TRUE(
      tensor_near(out, forward_ref(table, kBagIds, weights(), GetParam().pooling), 1e-5, 1e-6));
  for (int64_t c = 0; c < kDim; ++c) EXPECT_EQ(out.at({1, c}), 0.0f) << "empty bag, col " << c;
}

TEST_P(EmbeddingBagPooling, SparseGradientMatchesDenseReferenceAndFiniteDifferences) {
  Rng rng(2);
  Parameter table = Parameter::sparse_rows("table", random_tensor({kTableRows, kDim}, rng));
  const Bags bags = make_bags(kBagIds, weights());
  const Pooling pooling = GetParam().pooling;
  Tensor w = random_tensor({5, kDim}, rng);

  Graph g;
  const Var out = embedding_bag(g, table, bags, pooling);
  EXPECT_TRUE(
      tensor_near(out.value(), forward_ref(table.value, kBagIds, weights(), pooling), 1e-5, 1e-6));
  g.backward(weighted_sum(out, w));

  // Rows get slots in first-touch order of the ids: 3, 1, (3), 0, 5, (1, 1), 7, (5, 3).
  EXPECT_THAT(
      std::vector<int32_t>(table.sparse_grad.rows().begin(), table.sparse_grad.rows().end()),
      ElementsAre(3, 1, 0, 5, 7));
  const Tensor sparse = densify(table.sparse_grad);

  // d loss / d out = w, so the dense reference gets w as its output gradient.
  Tensor dense = Tensor::zeros({kTableRows, kDim});
  embedding_bag_backward_dense(bags, pooling, w, dense);
  EXPECT_TRUE(tensor_near(sparse, dense, 1e-6, 1e-7));

  // Central differences on every table element (untouched rows included: their gradient is 0).
  const double eps = 1e-2;
  std::vector<double> numeric;
  for (int64_t r = 0; r < kTableRows; ++r) {
    for (int64_t c = 0; c < kDim; ++c) {
      float& element = table.value.row(r)[c];
      const float original = element;
      double losses[2];
      const float steps[2] = {static_cast<float>(original + eps),
                              static_cast<float>(original - eps)};
      for (int side = 0; side < 2; ++side) {
        element = steps[side];
        Tensor pooled = Tensor::empty({5, kDim});
        embedding_bag_forward(table.value, bags, pooling, pooled);
        losses[side] = weighted_sum_value(pooled, w);
      }
      element = original;
      numeric.push_back((losses[0] - losses[1]) / (double{steps[0]} - double{steps[1]}));
    }
  }
  EXPECT_TRUE(tensor_near(sparse, numeric, 2e-2, 1e-3));
}

INSTANTIATE_TEST_SUITE_P(
    AllPoolings, EmbeddingBagPooling,
    ::testing::Values(PoolingCase{Pooling::kSum, false}, PoolingCase{Pooling::kSum, true},
                      PoolingCase{Pooling::kMean, false}, PoolingCase{Pooling::kMean, true},
                      PoolingCase{Pooling::kSqrtN, false}, PoolingCase{Pooling::kSqrtN, true}),
    case_name);

TEST(EmbeddingBag, ManyBagsOnAThreadedPool) {
  // Enough bags and touched rows for the forward and backward row loops to split across threads.
  ScopedNumThreads threads(3);
  Rng rng(3);
  std::vector<std::vector<int32_t>> ids(200);
  for (auto& bag : ids) {
    for (int j = 0; j < 10; ++j) bag.push_back(rng.index(1000));
  }
  const Bags bags = make_bags(ids);
  const Tensor table = random_tensor({1000, 16}, rng);
  Tensor out = Tensor::empty({200, 16});
  embedding_bag_forward(table, bags, Pooling::kMean, out);
  EXPECT_TRUE(tensor_near(out, forward_ref(table, ids, {}, Pooling::kMean), 1e-5, 1e-6));

  const Tensor dout = random_tensor({200, 16}, rng);
  SparseRowGrad grad;
  grad.reset(1000, 16);
  embedding_bag_backward(bags, Pooling::kMean, dout, grad);
  EXPECT_GT(grad.size(), 128);
  Tensor dense = Tensor::zeros({1000, 16});
  embedding_bag_backward_dense(bags, Pooling::kMean, dout, dense);
  EXPECT_TRUE(tensor_near(densify(grad), dense, 1e-6, 1e-7));
}

// ---------------------------------------------------------------- SparseRowGrad

TEST(SparseRowGrad, SlotsInFirstTouchOrderAndClear) {
  SparseRowGrad grad;
  grad.reset(10, 3);
  EXPECT_EQ(grad.table_rows(), 10);
  EXPECT_EQ(grad.dim(), 3);
  EXPECT_EQ(grad.size(), 0);
  std::vector<int32_t> slots;
  grad.assign_slots(std::vector<int32_t>{5, 2, 5, 7}, slots);
  EXPECT_THAT(slots, ElementsAre(0, 1, 0, 2));
  EXPECT_THAT(std::vector<int32_t>(grad.rows().begin(), grad.rows().end()), ElementsAre(5, 2, 7));
  grad.assign_slots(std::vector<int32_t>{7, 9}, slots);  // 7 keeps its slot, 9 is new
  EXPECT_THAT(slots, ElementsAre(2, 3));
  EXPECT_EQ(grad.values().dim(0), 4);
  EXPECT_EQ(grad.values().dim(1), 3);

  grad.clear();
  EXPECT_EQ(grad.size(), 0);
  EXPECT_TRUE(grad.rows().empty());
  EXPECT_EQ(grad.values().numel(), 0);
  grad.assign_slots(std::vector<int32_t>{2, 5}, slots);  // fresh slots after clear
  EXPECT_THAT(slots, ElementsAre(0, 1));
  EXPECT_THAT(std::vector<int32_t>(grad.rows().begin(), grad.rows().end()), ElementsAre(2, 5));
}

TEST(SparseRowGrad, BackwardAccumulatesAcrossCallsAndGrowth) {
  // The second call touches old rows (must add) and many new ones (must start from zero, and
  // force the values buffer to grow while keeping the rows already written).
  Rng rng(4);
  const Bags first = make_bags({{1, 2}, {2}});
  std::vector<std::vector<int32_t>> many = {{2, 1}};
  for (int32_t r = 3; r < 60; ++r) many.push_back({r, static_cast<int32_t>(r % 3)});
  const Bags second = make_bags(many);
  const Tensor d1 = random_tensor({first.size(), 5}, rng);
  const Tensor d2 = random_tensor({second.size(), 5}, rng);

  SparseRowGrad grad;
  grad.reset(64, 5);
  embedding_bag_backward(first, Pooling::kSum, d1, grad);
  embedding_bag_backward(second, Pooling::kSqrtN, d2, grad);
  Tensor dense = Tensor::zeros({64, 5});
  embedding_bag_backward_dense(first, Pooling::kSum, d1, dense);
  embedding_bag_backward_dense(second, Pooling::kSqrtN, d2, dense);
  EXPECT_TRUE(tensor_near(densify(grad), dense, 1e-6, 1e-7));
  EXPECT_EQ(grad.rows()[0], 1);
  EXPECT_EQ(grad.rows()[1], 2);
}

TEST(SparseRowGrad, ReadingValuesBetweenBackwardCallsKeepsTheSum) {
  // values() sums the pending rows into a buffer; a later backward adds new pending rows on top,
  // touching old rows and enough new ones to grow that buffer.
  Rng rng(14);
  const Bags first = make_bags({{3, 1}, {3}});
  std::vector<std::vector<int32_t>> many = {{1, 3}};
  for (int32_t r = 4; r < 50; ++r) many.push_back({r, 3});
  const Bags second = make_bags(many);
  const Tensor d1 = random_tensor({first.size(), 4}, rng);
  const Tensor d2 = random_tensor({second.size(), 4}, rng);
  SparseRowGrad grad;
  grad.reset(50, 4);
  embedding_bag_backward(first, Pooling::kMean, d1, grad);
  Tensor dense = Tensor::zeros({50, 4});
  embedding_bag_backward_dense(first, Pooling::kMean, d1, dense);
  EXPECT_TRUE(tensor_near(densify(grad), dense, 1e-6, 1e-7));
  embedding_bag_backward(second, Pooling::kSum, d2, grad);
  embedding_bag_backward_dense(second, Pooling::kSum, d2, dense);
  EXPECT_TRUE(tensor_near(densify(grad), dense, 1e-6, 1e-7));
  EXPECT_TRUE(tensor_near(densify(grad), dense, 1e-6, 1e-7)) << "a second read changed values";
}

TEST(SparseRowGrad, ForEachRowSeesTheSameRowsAsValues) {
  // Optimizers read the gradient through for_each_row, either summing pending rows on the fly
  // or from the already summed values: both must give every slot its full gradient, and a slot
  // assigned without any gradient reads as zero.
  Rng rng(15);
  const Bags bags = make_bags({{2, 0, 2}, {5}, {0}});
  const Tensor dout = random_tensor({3, 3}, rng);
  // 0: all pending; 1: all summed by values(); 2: part summed, then more pending on top.
  for (const int mode : {0, 1, 2}) {
    SCOPED_TRACE(::testing::Message() << "mode " << mode);
    SparseRowGrad grad;
    grad.reset(8, 3);
    const Tensor first_half = mode == 2 ? dout.slice_rows(0, 2) : dout;
    const Bags first_bags = mode == 2 ? make_bags({{2, 0, 2}, {5}}) : bags;
    embedding_bag_backward(first_bags, Pooling::kSqrtN, first_half, grad);
    std::vector<int32_t> slots;
    grad.assign_slots(std::vector<int32_t>{7}, slots);  // a slot with no contribution
    if (mode >= 1) (void)grad.values();
    if (mode == 2)
      embedding_bag_backward(make_bags({{0}}), Pooling::kSqrtN, dout.slice_rows(2, 3), grad);
    Tensor seen = Tensor::full({8, 3}, -1.0f);
    std::vector<int> visits(8, 0);
    grad.for_each_row([&](int64_t slot, int32_t row, float* g) {
      EXPECT_EQ(grad.rows()[static_cast<size_t>(slot)], row);
      ++visits[static_cast<size_t>(row)];
      std::copy_n(g, 3, seen.row(row));
    });
    Tensor dense = Tensor::full({8, 3}, -1.0f);
    for (int32_t r : {0, 2, 5, 7}) dense.slice_rows(r, r + 1).fill(0.0f);
    embedding_bag_backward_dense(bags, Pooling::kSqrtN, dout, dense);
    EXPECT_TRUE(tensor_near(seen, dense, 1e-6, 1e-7));
    EXPECT_EQ(visits, (std::vector<int>{1, 0, 1, 0, 0, 1, 0, 1}));
  }
}

TEST(SparseRowGrad, RejectsRowsOutsideTheTableAndMismatchedPendingRows) {
  SparseRowGrad grad;
  grad.reset(4, 2);
  std::vector<int32_t> slots;
  EXPECT_THROW(grad.assign_slots(std::vector<int32_t>{4}, slots), Error);
  EXPECT_THROW(grad.assign_slots(std::vector<int32_t>{-1}, slots), Error);
  grad.assign_slots(std::vector<int32_t>{1, 3}, slots);
  PendingRows wrong_slots;  // covers one slot, the gradient has two
  wrong_slots.source = Tensor::zeros({1, 2});
  wrong_slots.first_entry = {0, 1};
  wrong_slots.src = {0};
  wrong_slots.coef = {1.0f};
  EXPECT_THROW(grad.add(wrong_slots), Error);
  PendingRows wrong_width;
  wrong_width.source = Tensor::zeros({1, 3});
  wrong_width.first_entry = {0, 1, 1};
  wrong_width.src = {0};
  wrong_width.coef = {1.0f};
  EXPECT_THROW(grad.add(wrong_width), Error);
}

TEST(SparseRowGrad, ClearForgetsOldValues) {
  Rng rng(5);
  const Bags bags = make_bags({{4, 1}, {1}});
  const Tensor dout = random_tensor({2, 3}, rng);
  SparseRowGrad grad;
  grad.reset(6, 3);
  embedding_bag_backward(bags, Pooling::kSum, random_tensor({2, 3}, rng), grad);
  grad.clear();
  embedding_bag_backward(bags, Pooling::kSum, dout, grad);
  Tensor dense = Tensor::zeros({6, 3});
  embedding_bag_backward_dense(bags, Pooling::kSum, dout, dense);
  EXPECT_TRUE(tensor_near(densify(grad), dense, 1e-6, 1e-7));
}

TEST(SparseRowGrad, TwoEmbeddingBagsOnOneTableInOneGraphAccumulate) {
  // A shared table read twice in one step (query and document towers): both gradients land in
  // the parameter's one SparseRowGrad.
  Rng rng(6);
  Parameter table = Parameter::sparse_rows("shared", random_tensor({8, 3}, rng));
  const Bags queries = make_bags({{0, 2}, {5}});
  const Bags documents = make_bags({{2, 7, 7}, {0}, {6}});
  const Tensor wq = random_tensor({2, 3}, rng);
  const Tensor wd = random_tensor({3, 3}, rng);

  Graph g;
  const Var q = embedding_bag(g, table, queries, Pooling::kMean);
  const Var d = embedding_bag(g, table, documents, Pooling::kSum);
  g.backward(add(weighted_sum(q, wq), weighted_sum(d, wd)));

  Tensor dense = Tensor::zeros({8, 3});
  embedding_bag_backward_dense(queries, Pooling::kMean, wq, dense);
  embedding_bag_backward_dense(documents, Pooling::kSum, wd, dense);
  EXPECT_TRUE(tensor_near(densify(table.sparse_grad), dense, 1e-6, 1e-7));
  EXPECT_EQ(table.sparse_grad.size(), 5);  // rows 0, 2, 5, 6, 7, each once

  table.zero_grad();  // a sparse parameter's zero_grad clears the touched rows
  EXPECT_EQ(table.sparse_grad.size(), 0);
}

// ---------------------------------------------------------------- Bags

TEST(Bags, AddBuildsCsr) {
  Bags bags;
  bags.add(std::vector<int32_t>{4, 2});
  bags.add(std::vector<int32_t>{});
  bags.add(std::vector<int32_t>{1});
  EXPECT_EQ(bags.size(), 3);
  EXPECT_THAT(bags.ids, ElementsAre(4, 2, 1));
  EXPECT_THAT(bags.offsets, ElementsAre(0, 2, 2, 3));
  EXPECT_TRUE(bags.weights.empty());
  EXPECT_NO_THROW(bags.check(5));
  bags.clear();
  EXPECT_EQ(bags.size(), 0);
  EXPECT_THAT(bags.offsets, ElementsAre(0));
}

TEST(Bags, WeightedBatchAcceptsAnEmptyBag) {
  // An empty bag has no ids and so no weights; it must be allowed anywhere in a weighted batch
  // (a text whose tokens were all filtered out), not only before the first weighted bag.
  Bags bags;
  bags.add(std::vector<int32_t>{4, 2}, std::vector<float>{0.5f, 2.0f});
  EXPECT_NO_THROW(bags.add(std::vector<int32_t>{}, std::vector<float>{}));
  EXPECT_NO_THROW(bags.add(std::vector<int32_t>{1}, std::vector<float>{3.0f}));
  EXPECT_EQ(bags.size(), 3);
  EXPECT_THAT(bags.weights, ElementsAre(0.5f, 2.0f, 3.0f));
  EXPECT_NO_THROW(bags.check(5));
}

TEST(Bags, AddRejectsInconsistentWeights) {
  Bags bags;
  EXPECT_THROW(bags.add(std::vector<int32_t>{1, 2}, std::vector<float>{1.0f}), Error);
  Bags unweighted_first;
  unweighted_first.add(std::vector<int32_t>{1});
  EXPECT_THROW(unweighted_first.add(std::vector<int32_t>{2}, std::vector<float>{1.0f}), Error);
  Bags weighted_first;
  weighted_first.add(std::vector<int32_t>{1}, std::vector<float>{1.0f});
  EXPECT_THROW(weighted_first.add(std::vector<int32_t>{2}), Error);
}

TEST(Bags, CheckRejectsIdsOutsideTheTable) {
  const Bags too_big = make_bags({{0, 9}});
  try {
    too_big.check(9);
    FAIL() << "id 9 accepted for a table of 9 rows";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("bag id 9"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("9 rows"));
  }
  EXPECT_THROW(make_bags({{-1}}).check(9), Error);
  Bags bad_offsets = make_bags({{0, 1}});
  bad_offsets.offsets = {0, 3};
  EXPECT_THROW(bad_offsets.check(9), Error);
}

TEST(EmbeddingBag, OutOfRangeIdsThrowInForwardAndThroughAutograd) {
  const Tensor table = Tensor::zeros({4, 2});
  Tensor out = Tensor::empty({1, 2});
  EXPECT_THROW(embedding_bag_forward(table, make_bags({{4}}), Pooling::kSum, out), Error);
  EXPECT_THROW(embedding_bag_forward(table, make_bags({{-3}}), Pooling::kSum, out), Error);
  Tensor wrong_out = Tensor::empty({2, 2});
  EXPECT_THROW(embedding_bag_forward(table, make_bags({{1}}), Pooling::kSum, wrong_out), Error);

  Parameter sparse = Parameter::sparse_rows("table", Tensor::zeros({4, 2}));
  Graph g;
  EXPECT_THROW(embedding_bag(g, sparse, make_bags({{0}, {7}}), Pooling::kMean), Error);
}

TEST(EmbeddingBag, NeedsASparseRowParameter) {
  Parameter dense = Parameter::dense("dense", Tensor::zeros({4, 2}));
  Graph g;
  EXPECT_THROW(embedding_bag(g, dense, make_bags({{0}}), Pooling::kSum), Error);
  EXPECT_THROW(Parameter::sparse_rows("three_d", Tensor::zeros({2, 2, 2})), Error);
}

}  // namespace
}  // namespace tessera
