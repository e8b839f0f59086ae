// fastText's test metrics by hand: P@k over the predictions made (fewer than k when a threshold
// cut them), R@k over the gold labels, per-label F1, micro and macro F1; texts without a known
// gold label are not scored.
#include "tessera/eval/classification_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "../core/test_support.h"
#include "tessera/eval/classification_report.h"

namespace tessera {
namespace {

std::vector<LabelScore> ranked(std::initializer_list<int32_t> labels) {
  std::vector<LabelScore> out;
  float p = 0.9f;
  for (const int32_t l : labels) out.push_back({l, p -= 0.1f});
  return out;
}

TEST(ClassificationMetrics, FastTextPrecisionAndRecallAtK) {
  const std::vector<std::vector<LabelScore>> predictions = {
      ranked({0, 1}), ranked({2}), ranked({1, 0}), ranked({0, 1}), ranked({0, 2})};
  const std::vector<std::vector<int32_t>> gold = {{0}, {1, 2}, {2}, {-1}, {0, -1}};
  const ClassificationMetrics m = classification_metrics(predictions, gold, {1, 2}, 4);
  EXPECT_EQ(m.examples, 4);
  EXPECT_EQ(m.skipped, 1);       // text 3: no label the model knows
  EXPECT_EQ(m.unknown_gold, 2);  // texts 3 and 4
  // k = 1: 4 predictions, 3 right, 5 gold labels.
  EXPECT_EQ(m.at_k[0].predicted, 4);
  EXPECT_EQ(m.at_k[0].correct, 3);
  EXPECT_EQ(m.at_k[0].gold, 5);
  EXPECT_DOUBLE_EQ(m.at_k[0].precision(), 0.75);
  EXPECT_DOUBLE_EQ(m.at_k[0].recall(), 0.6);
  // k = 2: text 1 has one prediction only (the threshold cut it): 7 made, 3 right.
  EXPECT_DOUBLE_EQ(m.at_k[1].precision(), 3.0 / 7);
  EXPECT_DOUBLE_EQ(m.at_k[1].recall(), 0.6);
  // Per label at k = 1.
  EXPECT_DOUBLE_EQ(m.labels[0].f1(), 1.0);
  EXPECT_DOUBLE_EQ(m.labels[1].f1(), 0.0);
  EXPECT_DOUBLE_EQ(m.labels[2].precision(), 1.0);
  EXPECT_DOUBLE_EQ(m.labels[2].recall(), 0.5);
  EXPECT_EQ(m.labels[3].gold + m.labels[3].predicted, 0);
  EXPECT_NEAR(m.micro_f1, 2 * 0.75 * 0.6 / 1.35, 1e-12);
  EXPECT_NEAR(m.macro_f1, (1 + 0 + 2.0 / 3) / 3, 1e-12);  // label 3 is neither gold nor predicted
}

TEST(ClassificationReport, ConfusionAndCalibrationOfTheTopLabel) {
  // Three single-label texts and one with two labels (left out of the confusion matrix).
  const std::vector<std::vector<LabelScore>> predictions = {
      {{0, 0.95f}}, {{1, 0.92f}}, {{0, 0.55f}}, {{1, 0.51f}}};
  const std::vector<std::vector<int32_t>> gold = {{0}, {0}, {0}, {0, 1}};
  const ClassificationMetrics m = classification_metrics(predictions, gold, {1}, 2);
  const nlohmann::ordered_json j =
      classification_report_json("m", "in", m, {"a", "b"}, predictions, gold);
  EXPECT_EQ(j.at("confusion").at("counts"), nlohmann::json::parse("[[2, 1], [0, 0]]"));
  // Bins 0.5-0.6 (two texts, both right: 0.55 for a, 0.51 for b among a and b) and 0.9-1.0
  // (one right of two).
  const auto& bins = j.at("calibration");
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_EQ(bins[0].at("texts"), 2);
  EXPECT_DOUBLE_EQ(bins[0].at("accuracy").get<double>(), 1.0);
  EXPECT_NEAR(bins[0].at("mean_probability").get<double>(), 0.53, 1e-6);
  EXPECT_DOUBLE_EQ(bins[1].at("accuracy").get<double>(), 0.5);
  testing::TempDir dir;
  write_classification_report(dir.file("r"), j);
  std::ifstream html(dir.file("r/report.html"));
  const std::string page((std::istreambuf_iterator<char>(html)), {});
  EXPECT_THAT(page, ::testing::HasSubstr("Confusion"));
  EXPECT_THAT(page, ::testing::HasSubstr("<svg"));
}

TEST(ClassificationMetrics, RejectsMismatchedInput) {
  EXPECT_THROW((void)classification_metrics({ranked({0})}, {}, {1}, 2), Error);
  EXPECT_THROW((void)classification_metrics({ranked({0})}, {{0}}, {0}, 2), Error);
  EXPECT_THROW((void)classification_metrics({ranked({0})}, {{5}}, {1}, 2), Error);
}

TEST(ClassificationMetrics, GoldLabelIdsByName) {
  std::vector<LabeledText> items(2);
  items[0].labels = {"b", "zzz"};
  items[1].labels = {"a"};
  EXPECT_EQ(gold_label_ids(items, {"a", "b"}), (std::vector<std::vector<int32_t>>{{1, -1}, {0}}));
}

}  // namespace
}  // namespace tessera
