// compact_model: a model's bag tables cut to their most used rows and stored as int8, for
// inference.
#include "tessera/model/compact_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model_test_support.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/compact_bag_encoder.h"
#include "tessera/model/id_encoder.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::small_config;
using testing::small_options;
using testing::small_vocabulary;
using testing::TempDir;

const std::vector<std::string> kTexts = {"the cat sat on the mat", "the dog ran", "a cat and a dog",
                                         "", "mat mat mat"};

double cosine(const float* a, const float* b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return aa == 0 || bb == 0 ? (aa == bb ? 1.0 : 0.0) : ab / std::sqrt(aa * bb);
}

Model labeled_model() {
  ModelOptions options = small_options();
  options.id_towers = {{"label", 3}};
  options.id_names = {{"label", {"a", "b", "c"}}};
  return Model::create(small_config(), small_vocabulary(), options);
}

TEST(CompactModel, KeepingEveryRowInFloatChangesNoVector) {
  const Model model = labeled_model();
  const Model compact = compact_model(model, {});
  EXPECT_EQ(compact.tower(kQueryTower).kind(), "compact_bag");
  EXPECT_EQ(compact.featurizer().vocabulary().size(), model.featurizer().vocabulary().size());
  EXPECT_EQ(compact.embed(kTexts).to_vector(), model.embed(kTexts).to_vector());
  // The label tower is copied with its names.
  EXPECT_EQ(dynamic_cast<const IdEncoder&>(compact.tower("label")).names(),
            (std::vector<std::string>{"a", "b", "c"}));
  const std::vector<int32_t> ids = {0, 2};
  EXPECT_EQ(compact.embed_input(EncoderInput::of_ids(ids), 0, "label").to_vector(),
            model.embed_input(EncoderInput::of_ids(ids), 0, "label").to_vector());
}

TEST(CompactModel, Int8RowsGiveNearlyTheSameVectors) {
  const Model model = labeled_model();
  CompactOptions options;
  options.int8 = true;
  const Model compact = compact_model(model, options);
  const Tensor before = model.embed(kTexts);
  const Tensor after = compact.embed(kTexts);
  for (int64_t r = 0; r < before.rows(); ++r) {
    EXPECT_GT(cosine(before.row(r), after.row(r), model.dim()), 0.999) << kTexts[r];
  }
}

// A cut table pools, over the kept features of a text, the rows the full table holds for them.
TEST(CompactModel, CutoffKeepsTheLargestRowsAndDropsTheRestFromTexts) {
  const Model model = labeled_model();
  const Tensor& table = dynamic_cast<const BagEncoder&>(model.tower(kQueryTower)).table().value;
  std::vector<std::pair<double, int32_t>> by_norm;
  for (int64_t r = 0; r < table.rows(); ++r) {
    double sum = 0;
    for (int64_t c = 0; c < table.cols(); ++c) sum += double(table.row(r)[c]) * table.row(r)[c];
    by_norm.emplace_back(-sum, static_cast<int32_t>(r));
  }
  std::sort(by_norm.begin(), by_norm.end());
  constexpr int64_t kCutoff = 12;
  std::vector<bool> kept(static_cast<size_t>(table.rows()), false);
  for (int64_t i = 0; i < kCutoff; ++i) kept[static_cast<size_t>(by_norm[i].second)] = true;

  CompactOptions options;
  options.cutoff = kCutoff;
  const Model compact = compact_model(model, options);
  const auto& encoder = dynamic_cast<const CompactBagEncoder&>(compact.tower(kQueryTower));
  EXPECT_EQ(encoder.rows(), kCutoff);
  // Only the kept words stay in the vocabulary, in their order.
  const Vocabulary& words = model.featurizer().vocabulary();
  std::vector<std::string> kept_words;
  for (int32_t id = 0; id < words.size(); ++id) {
    if (kept[static_cast<size_t>(id)]) kept_words.push_back(words.word(id));
  }
  const Vocabulary& compact_words = compact.featurizer().vocabulary();
  ASSERT_EQ(compact_words.size(), static_cast<int32_t>(kept_words.size()));
  for (int32_t id = 0; id < compact_words.size(); ++id) {
    EXPECT_EQ(compact_words.word(id), kept_words[static_cast<size_t>(id)]);
  }

  const Bags bags = model.featurize(kTexts);
  const Tensor vectors = compact.embed(kTexts);
  for (int64_t b = 0; b < bags.size(); ++b) {
    std::vector<double> expected(static_cast<size_t>(table.cols()), 0.0);
    int64_t n = 0;
    for (int64_t i = bags.offsets[b]; i < bags.offsets[b + 1]; ++i) {
      if (!kept[static_cast<size_t>(bags.ids[i])]) continue;
      ++n;
      const float w = bags.weights.empty() ? 1.0f : bags.weights[i];
      for (int64_t c = 0; c < table.cols(); ++c) expected[c] += w * table.row(bags.ids[i])[c];
    }
    double norm = 0;
    for (const double x : expected) norm += x * x;
    norm = std::sqrt(norm);
    for (int64_t c = 0; c < table.cols(); ++c) {
      EXPECT_NEAR(vectors.row(b)[c], norm == 0 ? 0.0 : expected[c] / norm, 1e-5)
          << kTexts[b] << " (" << n << " kept features)";
    }
  }
}

// A row's use: (count x |what it adds along each direction|)^2 summed, among counted rows only;
// with fewer directions than dims, and with more (computed through their Gram matrix).
TEST(CompactModel, UseIsMeasuredThroughTheDirectionsTimesTheCounts) {
  const Model model = labeled_model();
  const Tensor& table = dynamic_cast<const BagEncoder&>(model.tower(kQueryTower)).table().value;
  const int64_t dim = table.cols();
  for (const int64_t k : {int64_t{2}, dim + 3}) {
    Tensor directions = Tensor::zeros({k, dim});
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t c = 0; c < dim; ++c) {
        directions.row(j)[c] = static_cast<float>((j * 7 + c * 3) % 5) - 2.0f;
      }
    }
    CompactOptions options;
    options.cutoff = 10;
    options.rank_through = directions;
    for (int64_t r = 0; r < table.rows(); ++r) options.counts.push_back(r % 5 == 0 ? 0 : r % 7 + 1);
    std::vector<std::pair<double, int32_t>> by_use;
    for (int64_t r = 0; r < table.rows(); ++r) {
      const auto count = static_cast<double>(options.counts[static_cast<size_t>(r)]);
      if (count == 0) continue;
      double use = 0;
      for (int64_t j = 0; j < k; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < dim; ++c) dot += double(directions.row(j)[c]) * table.row(r)[c];
        use += count * count * dot * dot;
      }
      by_use.emplace_back(-use, static_cast<int32_t>(r));
    }
    std::sort(by_use.begin(), by_use.end());
    std::vector<bool> expected(static_cast<size_t>(table.rows()), false);
    for (int64_t i = 0; i < options.cutoff; ++i) {
      expected[static_cast<size_t>(by_use[i].second)] = true;
    }
    EXPECT_EQ(compact_kept_features(model, options), expected) << k << " directions";
    const Model compact = compact_model(model, options);
    EXPECT_EQ(dynamic_cast<const CompactBagEncoder&>(compact.tower(kQueryTower)).rows(), 10);
  }

  CompactOptions options;
  options.cutoff = 10;
  options.rank_through = Tensor::zeros({2, dim + 1});
  EXPECT_THAT(
      error_message([&] { (void)compact_model(model, options); }),
      ::testing::HasSubstr("ranking directions of " + std::to_string(dim + 1) + " columns"));
  options.rank_through = {};
  options.counts.assign(static_cast<size_t>(table.rows()) - 1, 1);
  EXPECT_THAT(error_message([&] { (void)compact_model(model, options); }),
              ::testing::HasSubstr("feature counts for the model's"));
}

// A table with rows for some features only (training over hashed buckets) compacts over its
// rows: cutting nothing changes no vector, a cutoff keeps its largest rows.
TEST(CompactModel, ATableOfSomeFeaturesCompactsOverItsRows) {
  ModelOptions options = small_options();
  options.id_towers = {{"label", 3}};
  const int64_t features = small_config().buckets + small_vocabulary().size();
  for (int32_t id = 0; id < features; id += 3) options.feature_rows.push_back(id);
  const Model model = Model::create(small_config(), small_vocabulary(), options);
  const auto& bag = dynamic_cast<const CompactBagEncoder&>(model.tower(kQueryTower));
  ModelOptions unsorted = options;
  unsorted.feature_rows = {3, 1};
  EXPECT_THAT(
      error_message([&] { (void)Model::create(small_config(), small_vocabulary(), unsorted); }),
      ::testing::HasSubstr("not ascending"));
  ASSERT_EQ(bag.feature_ids(), options.feature_rows);

  const Model all = compact_model(model, {});
  EXPECT_EQ(all.embed(kTexts).to_vector(), model.embed(kTexts).to_vector());
  // Words without a row leave the vocabulary: the, on, ran (ids 0, 3, 6) keep theirs.
  EXPECT_EQ(all.featurizer().vocabulary().size(), 3);

  CompactOptions cut;
  cut.cutoff = 4;
  const Tensor& table = bag.table().value;
  std::vector<std::pair<double, int32_t>> by_norm;
  for (int64_t r = 0; r < table.rows(); ++r) {
    double sum = 0;
    for (int64_t c = 0; c < table.cols(); ++c) sum += double(table.row(r)[c]) * table.row(r)[c];
    by_norm.emplace_back(-sum, options.feature_rows[static_cast<size_t>(r)]);
  }
  std::sort(by_norm.begin(), by_norm.end());
  std::vector<bool> expected(static_cast<size_t>(features), false);
  for (int64_t i = 0; i < cut.cutoff; ++i) expected[static_cast<size_t>(by_norm[i].second)] = true;
  EXPECT_EQ(compact_kept_features(model, cut), expected);
  const Model small = compact_model(model, cut);
  EXPECT_EQ(dynamic_cast<const CompactBagEncoder&>(small.tower(kQueryTower)).rows(), 4);
  const Bags bags = model.featurize(kTexts);
  EncoderInput kept;
  for (int64_t b = 0; b < bags.size(); ++b) {
    std::vector<int32_t> ids;
    std::vector<float> weights;
    for (int64_t i = bags.offsets[b]; i < bags.offsets[b + 1]; ++i) {
      if (!expected[static_cast<size_t>(bags.ids[i])]) continue;
      ids.push_back(bags.ids[i]);
      weights.push_back(bags.weights[i]);
    }
    kept.bags.add(ids, weights);
  }
  EXPECT_EQ(small.embed(kTexts).to_vector(), model.embed_input(kept, 0, kQueryTower).to_vector());
}

TEST(CompactModel, SavesSmallAndLoadsTheSameVectors) {
  const Model model = Model::create(small_config(4096), small_vocabulary(), small_options());
  CompactOptions options;
  options.cutoff = 100;
  options.int8 = true;
  const Model compact = compact_model(model, options);
  TempDir dir;
  model.save(dir.file("full.safetensors"));
  compact.save(dir.file("small.safetensors"));
  EXPECT_LT(std::filesystem::file_size(dir.file("small.safetensors")) * 20,
            std::filesystem::file_size(dir.file("full.safetensors")));
  const Model loaded = Model::load(dir.file("small.safetensors"));
  EXPECT_EQ(loaded.tower(kQueryTower).config_json(), compact.tower(kQueryTower).config_json());
  EXPECT_EQ(loaded.embed(kTexts).to_vector(), compact.embed(kTexts).to_vector());
  EXPECT_THAT(loaded.provenance(), ::testing::HasSubstr("\"cutoff\":100"));
}

TEST(CompactModel, Errors) {
  const Model model = labeled_model();
  CompactOptions negative;
  negative.cutoff = -1;
  EXPECT_THAT(error_message([&] { (void)compact_model(model, negative); }),
              ::testing::HasSubstr("cutoff -1 is negative"));
  CompactOptions int8;
  int8.int8 = true;
  const Model codes = compact_model(model, int8);
  EXPECT_THAT(error_message([&] { (void)compact_model(codes, {}); }),
              ::testing::HasSubstr("holds int8 codes already"));
}

}  // namespace
}  // namespace tessera
