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

// Labels embedded from their descriptions, with the word match: each logit gains w * the share
// of the label's description's words the text holds, every label the text names is a candidate
// whatever the index proposes, and vectors (no words) are scored without it.
TEST(Classifier, WordMatchAddsTheShareOfADescriptionsWordsToItsLogit) {
  ModelOptions options = testing::small_options();
  options.two_towers = true;  // labels' vectors apart from the texts': the index ranks freely
  options.document_towers = {"label"};
  options.init_std = 0.5f;
  const auto model = std::make_shared<const Model>(
      Model::create(testing::small_config(), testing::small_vocabulary(), options));
  ClassifierHead head;
  head.scale = 2.0f;
  head.label_names = {"a", "b", "c", "d"};
  head.label_texts = {"cat sat", "dog", "mat on", "ran"};
  const Classifier plain(model, head);
  head.word_match = 4.0f;
  const Classifier matched(model, head);
  const std::vector<std::string> texts = {"the cat ran", "dog on the mat"};
  const std::vector<std::vector<double>> shares = {{0.5, 0, 0, 1}, {0, 1, 1, 0}};
  const Tensor t = model->embed(texts);
  const Tensor l = model->embed(head.label_texts, 0, "label");
  const auto predictions = matched.predict(texts, 4);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<double> logit;
    double total = 0;
    for (int64_t j = 0; j < 4; ++j) {
      logit.push_back(head.scale * kernels::dot(t.row(static_cast<int64_t>(i)), l.row(j), 16) +
                      4.0 * shares[i][static_cast<size_t>(j)]);
      total += std::exp(logit.back());
    }
    ASSERT_EQ(predictions[i].size(), 4u);
    for (const LabelScore& p : predictions[i]) {
      EXPECT_NEAR(p.probability, std::exp(logit[static_cast<size_t>(p.label)]) / total, 1e-5);
    }
  }
  // At k = 1 the best label by the adjusted logits comes back where the index, at k = 1 too,
  // proposes another (one the text does not name).
  head.loss = ClassifyLoss::kOneVsAll;
  head.word_match = 1.0f;
  const Classifier ova(model, head);
  const auto best = ova.predict(texts, 1);
  head.word_match = 0.0f;
  const Classifier ova_plain(model, head);
  const auto best_plain = ova_plain.predict(texts, 1);
  int differ = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    int64_t argmax = 0;
    double max = -1e9;
    for (int64_t j = 0; j < 4; ++j) {
      const double x = head.scale * kernels::dot(t.row(static_cast<int64_t>(i)), l.row(j), 16) +
                       1.0 * shares[i][static_cast<size_t>(j)];
      if (x > max) max = x, argmax = j;
    }
    EXPECT_EQ(best[i][0].label, argmax) << texts[i];
    differ += best[i][0].label != best_plain[i][0].label;
  }
  EXPECT_GT(differ, 0);
  // Vectors hold no words: predict_vectors ignores the word match unless given the features.
  const auto by_vector = ova.predict_vectors(t, 4);
  const auto unmatched = ova_plain.predict_vectors(t, 4);
  const Bags features = model->featurize(texts);
  const auto with_features = ova.predict_vectors(t, 4, 0.0f, &features);
  const auto by_text = ova.predict(texts, 4);
  for (size_t i = 0; i < texts.size(); ++i) {
    for (size_t j = 0; j < 4; ++j) {
      EXPECT_EQ(by_vector[i][j].label, unmatched[i][j].label);
      EXPECT_FLOAT_EQ(by_vector[i][j].probability, unmatched[i][j].probability);
      EXPECT_EQ(with_features[i][j].label, by_text[i][j].label);
      EXPECT_FLOAT_EQ(with_features[i][j].probability, by_text[i][j].probability);
    }
  }
  EXPECT_NE(plain.predict(texts, 4)[0][0].probability, predictions[0][0].probability);

  // Saved in the head, replaced at load, absent from older heads, never negative.
  head.word_match = 4.0f;
  EXPECT_EQ(ClassifierHead::from_json(head.to_json()).word_match, 4.0f);
  EXPECT_EQ(ClassifierHead::from_json(ClassifierHead{}.to_json()).word_match, 0.0f);
  testing::TempDir dir;
  ModelFileExtras extras;
  extras.metadata["classifier"] = head.to_json();
  model->save(dir.file("m.safetensors"), extras);
  EXPECT_EQ(Classifier::load(dir.file("m.safetensors")).head().word_match, 4.0f);
  EXPECT_EQ(Classifier::load(dir.file("m.safetensors"), "", 0, nullptr, 0.0f).head().word_match,
            0.0f);
  // A model of label ids has no descriptions to match.
  ClassifierHead ids_head;
  extras.metadata["classifier"] = ids_head.to_json();
  labeled_model(Normalization::kNone)->save(dir.file("ids.safetensors"), extras);
  EXPECT_THAT(error_message([&] {
                (void)Classifier::load(dir.file("ids.safetensors"), "", 0, nullptr, 2.0f);
              }),
              HasSubstr("no descriptions to match words with"));
  head.word_match = -1.0f;
  EXPECT_THAT(error_message([&] { (void)ClassifierHead::from_json(head.to_json()); }),
              HasSubstr("word match -1 is not >= 0"));
  EXPECT_THAT(error_message([&] { (void)Classifier(model, head); }),
              HasSubstr("word match -1 is not >= 0"));
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
