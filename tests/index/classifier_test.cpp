// Classifier: labels ranked through the label index, probabilities as the head says (softmax
// over every label, or independent sigmoids), thresholds, prefixes, and the file it loads.
#include "tessera/index/classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "../core/test_support.h"
#include "../model/model_test_support.h"
#include "tessera/core/kernels.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;

const std::vector<std::string> kTexts = {"the cat sat", "dog ran on the mat", "cat"};
const std::vector<std::string> kLabels = {"pets", "sports", "arts", "news", "food"};

std::shared_ptr<const Model> labeled_model(Normalization normalization) {
  ModelOptions options = testing::small_options();
  options.id_towers = {{"label", 5}};
  options.id_names = {{"label", kLabels}};
  options.normalization = normalization;
  options.init_std = 0.5f;
  return std::make_shared<const Model>(
      Model::create(testing::small_config(), testing::small_vocabulary(), options));
}

// scale * <text, label> for every label, by hand.
std::vector<double> logits(const Model& model, const ClassifierHead& head, const std::string& text,
                           int64_t dim) {
  const Tensor t = model.embed({text}, dim);
  const Tensor l =
      model.embed_input(EncoderInput::of_ids(std::vector<int32_t>{0, 1, 2, 3, 4}), dim, "label");
  std::vector<double> out;
  for (int64_t j = 0; j < 5; ++j) out.push_back(head.scale * kernels::dot(t.row(0), l.row(j), dim));
  return out;
}

TEST(Classifier, SoftmaxProbabilitiesOverEveryLabelBestFirst) {
  const auto model = labeled_model(Normalization::kNone);
  ClassifierHead head;
  head.scale = 2.0f;
  const Classifier classifier(model, head);
  EXPECT_EQ(classifier.labels(), kLabels);
  EXPECT_EQ(classifier.index_name(), "flat@16");
  const auto predictions = classifier.predict(kTexts, 10);  // more than there are labels
  ASSERT_EQ(predictions.size(), 3u);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    ASSERT_EQ(predictions[i].size(), 5u);
    const std::vector<double> l = logits(*model, head, kTexts[i], 16);
    double total = 0;
    for (const double x : l) total += std::exp(x);
    double sum = 0;
    for (size_t j = 0; j < 5; ++j) {
      const LabelScore& p = predictions[i][j];
      EXPECT_NEAR(p.probability, std::exp(l[static_cast<size_t>(p.label)]) / total, 1e-5);
      if (j > 0) {
        EXPECT_GE(predictions[i][j - 1].probability, p.probability);
      }
      sum += p.probability;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  // A threshold cuts the list; k cuts it too.
  const auto top = classifier.predict(kTexts, 2, 0.0f);
  const float cut = predictions[0][1].probability;
  const auto kept = classifier.predict(kTexts, 5, cut);
  ASSERT_EQ(top[0].size(), 2u);
  EXPECT_EQ(top[0][0].label, predictions[0][0].label);
  EXPECT_EQ(kept[0].size(), 2u);  // the threshold keeps a probability equal to it
  for (const LabelScore& p : kept[0]) EXPECT_GE(p.probability, cut);
  EXPECT_THROW((void)classifier.predict(kTexts, 0), Error);
}

TEST(Classifier, OneVsAllGivesSigmoidsOfCosinesAtAPrefix) {
  const auto model = labeled_model(Normalization::kL2);
  ClassifierHead head;
  head.loss = ClassifyLoss::kOneVsAll;
  head.similarity = Similarity::kCosine;
  head.scale = 5.0f;
  const Classifier classifier(model, head, "flat", 8);
  const auto predictions = classifier.predict(kTexts, 3);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    ASSERT_EQ(predictions[i].size(), 3u);
    const std::vector<double> l = logits(*model, head, kTexts[i], 8);
    for (const LabelScore& p : predictions[i]) {
      EXPECT_NEAR(p.probability, 1 / (1 + std::exp(-l[static_cast<size_t>(p.label)])), 1e-5);
    }
  }
  // A binary-code index proposes labels by Hamming distance; their probabilities are still the
  // exact ones.
  const Classifier codes(model, head, "binary", 8);
  const auto proposed = codes.predict(kTexts, 3);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const std::vector<double> l = logits(*model, head, kTexts[i], 8);
    for (const LabelScore& p : proposed[i]) {
      EXPECT_NEAR(p.probability, 1 / (1 + std::exp(-l[static_cast<size_t>(p.label)])), 1e-5);
    }
  }
  // HNSW over the labels finds the same best label on so small a set.
  const Classifier graph(model, head, "hnsw", 8);
  EXPECT_EQ(graph.index_name().substr(0, 4), "hnsw");
  const auto approximate = graph.predict(kTexts, 1);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    EXPECT_EQ(approximate[i][0].label, predictions[i][0].label);
  }
}

TEST(Classifier, NeedsNamedLabelsAndAHead) {
  ModelOptions options = testing::small_options();
  options.id_towers = {{"label", 3}};
  const auto unnamed = std::make_shared<const Model>(
      Model::create(testing::small_config(), testing::small_vocabulary(), options));
  EXPECT_THAT(error_message([&] { (void)Classifier(unnamed, ClassifierHead{}); }),
              HasSubstr("not a tower of named labels"));
  testing::TempDir dir;
  unnamed->save(dir.file("m.safetensors"));
  EXPECT_THAT(error_message([&] { (void)Classifier::load(dir.file("m.safetensors")); }),
              HasSubstr("not a classifier"));
  const auto model = labeled_model(Normalization::kNone);
  ModelFileExtras extras;
  extras.metadata["classifier"] = R"({"loss": "softmax"})";
  model->save(dir.file("c.safetensors"), extras);
  EXPECT_THAT(error_message([&] { (void)Classifier::load(dir.file("c.safetensors")); }),
              HasSubstr("classifier head is malformed"));
  extras.metadata["classifier"] = ClassifierHead{}.to_json();
  model->save(dir.file("c.safetensors"), extras);
  const Classifier loaded = Classifier::load(dir.file("c.safetensors"));
  EXPECT_EQ(loaded.labels(), kLabels);
  EXPECT_THAT(error_message([&] { (void)Classifier(model, ClassifierHead{}, "flat", 17); }),
              HasSubstr("dim 17 is outside [1, 16]"));
}

}  // namespace
}  // namespace tessera
