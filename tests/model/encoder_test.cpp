// Encoders: the tape's forward equals the const encode, gradients reach the named parameters, and
// every kind is rebuilt by the registry from its config and tensors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "../core/test_support.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/compact_bag_encoder.h"
#include "tessera/model/encoder_registry.h"
#include "tessera/model/id_encoder.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;

EncoderInput bags_of(std::initializer_list<std::vector<int32_t>> items) {
  EncoderInput input;
  for (const auto& ids : items) input.bags.add(ids);
  return input;
}

std::vector<std::string> names(const std::vector<Parameter*>& params) {
  std::vector<std::string> out;
  for (const Parameter* p : params) out.push_back(p->name);
  return out;
}

TEST(Encoder, BagForwardEqualsEncodeWithAndWithoutProjection) {
  for (const int64_t projection : {0, 6}) {
    BagEncoder encoder("query", 10, 4, Pooling::kSqrtN, projection);
    std::mt19937_64 rng(1);
    encoder.init_normal(0.5f, rng);
    const EncoderInput input = bags_of({{1, 2, 3}, {}, {9}});
    Graph graph;
    const Var out = encoder.forward(graph, input);
    EXPECT_EQ(out.value().to_vector(), encoder.encode(input).to_vector());
    EXPECT_EQ(out.value().cols(), projection > 0 ? 6 : 4);
    EXPECT_EQ(names(encoder.parameters()),
              projection > 0 ? (std::vector<std::string>{"query.table", "query.projection"})
                             : (std::vector<std::string>{"query.table"}));
    // Gradient reaches the rows the bags hold, and the projection.
    graph.backward(sum(out));
    EXPECT_EQ(encoder.parameters()[0]->sparse_grad.size(), 4);
    if (projection > 0) {
      double total = 0;
      for (const float g : encoder.parameters()[1]->grad.to_vector()) total += std::abs(g);
      EXPECT_GT(total, 0.0);
    }
  }
}

// A float compact table trains as the full table would with only its rows: the same vectors
// and the same gradient rows, at the compact rows.
TEST(Encoder, CompactBagTrainsAsTheFullTableOfItsRows) {
  for (const int64_t projection : {0, 3}) {
    BagEncoder full("query", 8, 4, Pooling::kMean, projection);
    std::mt19937_64 rng(4);
    full.init_normal(0.5f, rng);
    const std::vector<int32_t> ids = {1, 2, 6};  // features 0, 3-5 and 7 have no row
    CompactBagEncoder::Table table;
    table.feature_ids = ids;
    table.rows = Tensor::empty({3, 4});
    for (int64_t r = 0; r < 3; ++r) {
      std::copy_n(full.table().value.row(ids[static_cast<size_t>(r)]), 4, table.rows.row(r));
    }
    CompactBagEncoder compact("query", 8, std::move(table), Pooling::kMean,
                              projection > 0 ? full.projection().value.clone() : Tensor());
    // Compact bags hold every feature; the full table sees only those with a row.
    EncoderInput input;
    input.bags.add(std::vector<int32_t>{0, 1, 6}, std::vector<float>{3, 1, 2});
    input.bags.add(std::vector<int32_t>{5}, std::vector<float>{1});
    input.bags.add(std::vector<int32_t>{2, 2}, std::vector<float>{1, 1});
    EncoderInput held;
    held.bags.add(std::vector<int32_t>{1, 6}, std::vector<float>{1, 2});
    held.bags.add(std::vector<int32_t>{}, std::vector<float>{});
    held.bags.add(std::vector<int32_t>{2, 2}, std::vector<float>{1, 1});

    Graph graph;
    const Var out = compact.forward(graph, input);
    EXPECT_EQ(out.value().to_vector(), compact.encode(input).to_vector());
    Graph full_graph;
    const Var full_out = full.forward(full_graph, held);
    EXPECT_EQ(out.value().to_vector(), full_out.value().to_vector());
    graph.backward(sum(out));
    full_graph.backward(sum(full_out));
    SparseRowGrad& grad = compact.parameters()[0]->sparse_grad;
    SparseRowGrad& full_grad = full.parameters()[0]->sparse_grad;
    ASSERT_EQ(grad.size(), 3);
    const Tensor values = grad.values();
    const Tensor full_values = full_grad.values();
    for (int64_t i = 0; i < 3; ++i) {
      const int32_t feature = ids[static_cast<size_t>(grad.rows()[static_cast<size_t>(i)])];
      int64_t j = 0;
      while (full_grad.rows()[static_cast<size_t>(j)] != feature) ++j;
      EXPECT_EQ(std::vector<float>(values.row(i), values.row(i) + 4),
                std::vector<float>(full_values.row(j), full_values.row(j) + 4));
    }
    if (projection > 0) {
      EXPECT_EQ(compact.parameters()[1]->grad.to_vector(), full.parameters()[1]->grad.to_vector());
    }
  }
}

TEST(Encoder, IdRowsAndTheirGradients) {
  IdEncoder encoder("label", 5, 3);
  std::mt19937_64 rng(2);
  encoder.init_normal(1.0f, rng);
  const std::vector<int32_t> ids = {4, 0, 4};
  const EncoderInput input = EncoderInput::of_ids(ids);
  const Tensor rows = encoder.encode(input);
  for (int64_t r = 0; r < 3; ++r) {
    for (int64_t c = 0; c < 3; ++c) {
      EXPECT_EQ(rows.row(r)[c], encoder.table().value.row(ids[static_cast<size_t>(r)])[c]);
    }
  }
  Graph graph;
  const Var out = encoder.forward(graph, input);
  EXPECT_EQ(out.value().to_vector(), rows.to_vector());
  graph.backward(sum(out));
  Parameter& table = *encoder.parameters()[0];
  EXPECT_EQ(table.name, "label.table");
  ASSERT_EQ(table.sparse_grad.size(), 2);  // rows 4 and 0
  const Tensor grads = table.sparse_grad.values();
  const int64_t four = table.sparse_grad.rows()[0] == 4 ? 0 : 1;
  EXPECT_EQ(grads.row(four)[0], 2.0f);  // used twice
  EXPECT_EQ(grads.row(1 - four)[0], 1.0f);
  // One id per item, no weights, inside the table.
  EXPECT_THAT(error_message([&] {
                (void)encoder.encode(bags_of({{1, 2}}));
              }),
              HasSubstr("item 0 holds 2 ids, not one"));
  EncoderInput weighted;
  weighted.bags.add(std::vector<int32_t>{1}, std::vector<float>{0.5f});
  EXPECT_THAT(error_message([&] { (void)encoder.encode(weighted); }), HasSubstr("no weights"));
  EXPECT_THROW((void)encoder.encode(bags_of({{5}})), Error);
}

TEST(Encoder, RegistryRebuildsEveryKindFromConfigAndTensors) {
  BagEncoder bag("document", 7, 4, Pooling::kMean, 3);
  IdEncoder id("entity", 6, 3);
  std::mt19937_64 rng(3);
  bag.init_normal(0.5f, rng);
  id.init_normal(0.5f, rng);
  CompactBagEncoder::Table table;
  table.feature_ids = {0, 3, 6};
  table.codes = IntTensor::of_i8({3, 2}, std::vector<int8_t>{127, -3, 0, 5, -127, 64});
  table.scales = Tensor::from({3}, {0.1f, 0.0f, 0.02f});
  CompactBagEncoder compact("query", 7, std::move(table), Pooling::kSqrtN,
                            Tensor::from({2, 3}, {1, 0, 2, 0, 1, -1}));
  for (const Encoder* encoder :
       {static_cast<const Encoder*>(&bag), static_cast<const Encoder*>(&id),
        static_cast<const Encoder*>(&compact)}) {
    const auto layouts =
        encoder_tensor_layouts(encoder->kind(), encoder->name(), encoder->config_json());
    std::map<std::string, Tensor> tensors;
    std::map<std::string, IntTensor> int_tensors;
    for (const Parameter* p : encoder->parameters()) {
      ASSERT_EQ(layouts.at(p->name),
                (TensorLayout{{p->value.shape().begin(), p->value.shape().end()}}));
      tensors.emplace(p->name, p->value.clone());
    }
    for (const auto& [name, tensor] : encoder->int_tensors()) {
      ASSERT_EQ(layouts.at(name), (TensorLayout{tensor->shape(), tensor->type()}));
      int_tensors.emplace(name, *tensor);
    }
    ASSERT_EQ(layouts.size(), tensors.size() + int_tensors.size());
    const std::unique_ptr<Encoder> loaded = load_encoder(
        encoder->kind(), encoder->name(), encoder->config_json(), tensors, int_tensors);
    EXPECT_TRUE(tensors.empty() && int_tensors.empty());  // every tensor taken
    EXPECT_EQ(loaded->kind(), encoder->kind());
    EXPECT_EQ(loaded->config_json(), encoder->config_json());
    const EncoderInput input = encoder->input_kind() == EncoderInputKind::kIds
                                   ? EncoderInput::of_ids(std::vector<int32_t>{5, 1})
                                   : bags_of({{0, 6}, {3}});
    EXPECT_EQ(loaded->encode(input).to_vector(), encoder->encode(input).to_vector());
  }
  std::map<std::string, Tensor> none;
  std::map<std::string, IntTensor> no_ints;
  EXPECT_THAT(error_message([&] { (void)load_encoder("gru", "q", "{}", none, no_ints); }),
              HasSubstr("kind 'gru'"));
  EXPECT_THAT(error_message([] { (void)encoder_tensor_layouts("id", "label", "{\"ids\": 0}"); }),
              HasSubstr("\"ids\" must be an integer"));
  EXPECT_THAT(error_message([] { (void)encoder_tensor_layouts("bag", "q", "[1]"); }),
              HasSubstr("not a JSON object"));
}

// Kept rows pool as the full table's would over the kept ids; int8 rows decode as code * scale.
TEST(Encoder, CompactBagPoolsItsKeptRows) {
  CompactBagEncoder::Table table;
  table.feature_ids = {1, 4};
  table.rows = Tensor::from({2, 2}, {1, 2, 3, 4});
  CompactBagEncoder floats("query", 6, std::move(table), Pooling::kMean);
  EXPECT_EQ(floats.row_of(4), 1);
  EXPECT_EQ(floats.row_of(2), -1);
  Bags bags;
  bags.add(std::vector<int32_t>{0, 1, 4}, std::vector<float>{5, 1, 2});  // 0 has no row
  bags.add(std::vector<int32_t>{2, 3}, std::vector<float>{1, 1});        // none has a row
  EXPECT_EQ(floats.encode({bags}).to_vector(),
            (std::vector<float>{(1 + 2 * 3) / 2.0f, (2 + 2 * 4) / 2.0f, 0, 0}));

  CompactBagEncoder::Table codes;
  codes.codes = IntTensor::of_i8({3, 2}, std::vector<int8_t>{127, -64, 0, 0, 10, 20});
  codes.scales = Tensor::from({3}, {0.5f, 1.0f, 0.25f});
  CompactBagEncoder int8("query", 3, std::move(codes), Pooling::kSum);
  EXPECT_TRUE(int8.int8());
  EXPECT_TRUE(int8.int_tensors().count("query.codes"));
  EXPECT_FALSE(int8.int_tensors().count("query.feature_ids"));  // every feature has its row
  EXPECT_EQ(int8.encode(bags_of({{0, 2}})).to_vector(),
            (std::vector<float>{63.5f + 2.5f, -32.0f + 5.0f}));

  Graph graph;
  EXPECT_THAT(error_message([&] { (void)int8.forward(graph, bags_of({{0}})); }),
              HasSubstr("for inference only"));
  CompactBagEncoder::Table unsorted;
  unsorted.feature_ids = {3, 1};
  unsorted.rows = Tensor::zeros({2, 2});
  EXPECT_THAT(
      error_message([&] { CompactBagEncoder("q", 6, std::move(unsorted), Pooling::kMean); }),
      HasSubstr("not ascending"));
  CompactBagEncoder::Table too_few;
  too_few.rows = Tensor::zeros({2, 2});
  EXPECT_THAT(error_message([&] { CompactBagEncoder("q", 6, std::move(too_few), Pooling::kMean); }),
              HasSubstr("2 rows without feature ids for 6 features"));
}

}  // namespace
}  // namespace tessera
