// ClassificationTraining end to end on a small labeled file: labels numbered by frequency, the
// model saved with its label names and head, and a Classifier that loads it predicting the
// labels its words tell apart, with every loss.
#include "tessera/train/classification_training.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "../core/test_support.h"
#include "tessera/core/random.h"
#include "tessera/data/xc_reader.h"
#include "tessera/eval/classification_metrics.h"
#include "tessera/eval/classifier_autotune.h"
#include "tessera/index/classifier.h"
#include "tessera/model/compact_bag_encoder.h"
#include "tessera/model/compact_model.h"
#include "tessera/model/safetensors.h"

namespace tessera {
namespace {

TEST(ClassificationTraining, LabelsAreNumberedByFrequency) {
  std::vector<LabeledText> items(4);
  items[0].labels = {"rare", "common"};
  items[1].labels = {"common", "mid", "common"};
  items[2].labels = {"mid"};
  items[3].labels = {"common"};
  const LabelSet set = number_labels(items);
  EXPECT_EQ(set.names, (std::vector<std::string>{"common", "mid", "rare"}));
  EXPECT_EQ(set.ids, (std::vector<std::vector<int32_t>>{{2, 0}, {0, 1}, {1}, {0}}));
}

// 6 labels told apart by their words ("l3w2"), with noise words; every 4th text has two labels.
void write_synthetic(const std::string& path, int count, uint64_t seed) {
  std::ofstream out(path);
  Random random(seed);
  for (int i = 0; i < count; ++i) {
    std::vector<uint64_t> labels = {random.below(6)};
    if (i % 4 == 0) labels.push_back((labels[0] + 1 + random.below(5)) % 6);
    std::string text;
    for (const uint64_t label : labels) out << "__label__tag" << label << ' ';
    for (const uint64_t label : labels) {
      for (int w = 0; w < 3; ++w) text += fmt::format("l{}w{} ", label, random.below(6));
    }
    for (int w = 0; w < 3; ++w) text += fmt::format("n{} ", random.below(40));
    out << text << '\n';
  }
}

TEST(ClassificationTraining, TrainsSavesAndPredictsWithEveryLoss) {
  testing::TempDir dir;
  write_synthetic(dir.file("train.txt"), 600, 1);
  write_synthetic(dir.file("test.txt"), 200, 2);
  LabeledInputOptions test_input;
  test_input.path = dir.file("test.txt");
  const std::vector<LabeledText> test = read_labeled_texts(test_input);
  std::vector<std::string> texts;
  for (const LabeledText& item : test) texts.push_back(item.text);
  for (const ClassifyLoss loss : {ClassifyLoss::kSoftmax, ClassifyLoss::kNegativeSampling,
                                  ClassifyLoss::kOneVsAll, ClassifyLoss::kInfoNce}) {
    ClassificationTrainingOptions options;
    options.input.path = dir.file("train.txt");
    options.featurizer.buckets = 1024;
    options.model.dim = 16;
    options.model.prefixes = {8, 16};
    options.head.loss = loss;
    options.negatives = 1;
    options.trainer.epochs = 8;
    options.trainer.batch_size = 32;
    options.trainer.lr.base_lr = 0.02f;
    options.trainer.seed = 3;
    // infonce's negatives are the batch's labels: NGAME batches of clustered texts.
    if (loss == ClassifyLoss::kInfoNce) options.trainer.ngame.cluster_size = 8;
    ClassificationTraining training(options);
    ASSERT_EQ(training.labels().size(), 6u);
    training.trainer().on_epoch_end(
        classification_dev_evaluation(EncoderInput{training.model().featurize(texts)},
                                      gold_label_ids(test, training.labels()), options.head));
    const TrainReport report = training.run_and_save(dir.file("m.safetensors"));
    EXPECT_GE(report.epochs.back().eval.at("valid P@1"), 0.95) << name_of(loss);
    EXPECT_GE(report.epochs.back().eval.at("valid P@1 dim 8"), 0.9) << name_of(loss);

    const Classifier classifier = Classifier::load(dir.file("m.safetensors"));
    EXPECT_EQ(classifier.labels(), training.labels());
    EXPECT_EQ(classifier.head().loss, loss);
    const auto predictions = classifier.predict(texts, 2);
    const ClassificationMetrics m =
        classification_metrics(predictions, gold_label_ids(test, classifier.labels()), {1, 2}, 6);
    // Chance P@1 is 1/6; a quarter of the texts have two labels, so R@2 can reach 1.
    EXPECT_GE(m.at_k[0].precision(), 0.95) << name_of(loss);
    EXPECT_GE(m.at_k[1].recall(), 0.9) << name_of(loss);
  }
  const auto metadata = read_safetensors_metadata(dir.file("m.safetensors"));
  EXPECT_THAT(metadata.at("classifier"), ::testing::HasSubstr(R"("loss":"infonce")"));
}

// Labels described by their words ("tagK" by "lKw0 ... lKw5"): the label tower reads the
// descriptions with the texts' encoder. Texts of tag5 are left out of training, so tag5 is only
// described; its words still occur (as noise) in the training texts.
TEST(ClassificationTraining, LabelsFromTheirDescriptionsIncludingUntrainedOnes) {
  testing::TempDir dir;
  write_synthetic(dir.file("all.txt"), 900, 1);
  write_synthetic(dir.file("test.txt"), 300, 2);
  const auto without_tag5 = [&](const std::string& from, const std::string& to, bool keep) {
    LabeledInputOptions input;
    input.path = from;
    std::ofstream out(to);
    Random random(7);
    for (const LabeledText& item : read_labeled_texts(input)) {
      const bool tag5 =
          std::find(item.labels.begin(), item.labels.end(), "tag5") != item.labels.end();
      if (tag5 != keep) continue;
      for (const std::string& label : item.labels) out << "__label__" << label << ' ';
      out << item.text << " l5w" << random.below(6) << '\n';
    }
  };
  without_tag5(dir.file("all.txt"), dir.file("train.txt"), false);
  without_tag5(dir.file("test.txt"), dir.file("tag5.txt"), true);
  {
    std::ofstream out(dir.file("labels.tsv"));
    for (int k = 5; k >= 0; --k)
      out << "tag" << k << "\tl" << k << "w0 l" << k << "w1 l" << k << "w2 l" << k << "w3 l" << k
          << "w4 l" << k << "w5\n";
  }
  ClassificationTrainingOptions options;
  options.input.path = dir.file("train.txt");
  options.label_text_path = dir.file("labels.tsv");
  options.model.dim = 16;
  options.head.similarity = Similarity::kCosine;
  options.head.scale = 20.0f;
  options.trainer.epochs = 8;
  options.trainer.batch_size = 32;
  options.trainer.lr.base_lr = 0.02f;
  options.trainer.seed = 3;
  ClassificationTraining training(options);
  ASSERT_EQ(training.labels().size(), 6u);
  EXPECT_EQ(training.labels().back(), "tag5");  // described, untrained: numbered last
  EXPECT_EQ(training.model().tower("label").input_kind(), EncoderInputKind::kFeatures);
  (void)training.run_and_save(dir.file("m.safetensors"));

  const Classifier classifier = Classifier::load(dir.file("m.safetensors"));
  EXPECT_EQ(classifier.labels(), training.labels());
  EXPECT_EQ(classifier.head().label_counts.back(), 0);
  LabeledInputOptions input;
  input.path = dir.file("test.txt");
  const std::vector<LabeledText> test = read_labeled_texts(input);
  std::vector<std::string> texts;
  for (const LabeledText& item : test) texts.push_back(item.text);
  const ClassificationMetrics m = classification_metrics(
      classifier.predict(texts, 1), gold_label_ids(test, classifier.labels()), {1}, 6);
  EXPECT_GE(m.at_k[0].precision(), 0.85);
  // tag5's texts: predicted from its description alone, far above chance (1/6).
  input.path = dir.file("tag5.txt");
  const std::vector<LabeledText> unseen = read_labeled_texts(input);
  texts.clear();
  for (const LabeledText& item : unseen) texts.push_back(item.text);
  const ClassificationMetrics zero_shot = classification_metrics(
      classifier.predict(texts, 1), gold_label_ids(unseen, classifier.labels()), {1}, 6);
  EXPECT_GE(zero_shot.at_k[0].precision(), 0.5);
  // The word match (each tag5 text names one of its description's six words) lifts it (0.87 ->
  // 0.93 here).
  const Classifier matched = Classifier::load(dir.file("m.safetensors"), "", 0, nullptr, 3.0f);
  const ClassificationMetrics zero_shot_matched = classification_metrics(
      matched.predict(texts, 1), gold_label_ids(unseen, classifier.labels()), {1}, 6);
  EXPECT_GT(zero_shot_matched.at_k[0].precision(), zero_shot.at_k[0].precision());

  // Other labels replace the model's: names and counts follow the descriptions given.
  const LabelDescriptions others{{"tag1", "new"}, {"l1w0 l1w1 l1w2", "l3w0 l3w1 l3w2"}};
  const Classifier relabeled = Classifier::load(dir.file("m.safetensors"), "", 0, &others);
  EXPECT_EQ(relabeled.labels(), others.names);
  EXPECT_GT(relabeled.head().label_counts[0], 0);
  EXPECT_EQ(relabeled.head().label_counts[1], 0);
  const auto p = relabeled.predict({"l3w1 l3w2 n4"}, 1);
  EXPECT_EQ(p[0][0].label, 1);

  // Every training label needs a description; a model of label ids takes no others.
  {
    std::ofstream out(dir.file("few.tsv"));
    out << "tag0\tl0w0\n";
  }
  options.label_text_path = dir.file("few.tsv");
  EXPECT_THAT(testing::error_message([&] { ClassificationTraining failed(options); }),
              ::testing::HasSubstr("few.tsv: 4 labels of"));
  options.label_text_path.clear();
  ClassificationTraining ids(options);
  (void)ids.run_and_save(dir.file("ids.safetensors"));
  EXPECT_THAT(testing::error_message(
                  [&] { (void)Classifier::load(dir.file("ids.safetensors"), "", 0, &others); }),
              ::testing::HasSubstr("its labels are rows of ids"));
}

TEST(ClassificationTraining, XcPointsKeepTheirLabelIdsAndCounts) {
  // 5 labels, each told by features 3l..3l+2 (weight 2), plus noise features 15..19.
  testing::TempDir dir;
  const auto write = [&](const std::string& name, int count, uint64_t seed) {
    std::ofstream out(dir.file(name));
    out << count << " 20 5\n";
    Random random(seed);
    for (int i = 0; i < count; ++i) {
      const uint64_t label = random.below(5);
      out << label << ' ' << 3 * label + random.below(3) << ":2 " << 15 + random.below(5) << ":1\n";
    }
  };
  write("train.txt", 300, 1);
  write("test.txt", 100, 2);
  ClassificationTrainingOptions options;
  options.input.path = dir.file("train.txt");
  options.input.format = LabeledFormat::kXc;
  options.featurizer.end_word = true;
  options.model.dim = 8;
  options.trainer.epochs = 10;
  options.trainer.batch_size = 16;
  options.trainer.lr.base_lr = 0.05f;
  ClassificationTraining training(options);
  EXPECT_EQ(training.labels(), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(training.model().featurizer().config().buckets, 0);
  training.run_and_save(dir.file("m.safetensors"));
  const Classifier classifier = Classifier::load(dir.file("m.safetensors"));
  EXPECT_EQ(classifier.head().examples, 300);
  int64_t counted = 0;
  for (const int64_t n : classifier.head().label_counts) counted += n;
  EXPECT_EQ(counted, 300);
  // Every point holds the end word, the labels' bias.
  const Vocabulary& words = classifier.model().featurizer().vocabulary();
  const int32_t end = words.id(kEndWord);
  ASSERT_GE(end, 0);
  EXPECT_EQ(words.count(end), 300);
  const XcData test = read_xc(LineSource::open(dir.file("test.txt")));
  EncoderInput input;
  for (const XcPoint& point : test.points) {
    const Features f = xc_features(point, words);
    EXPECT_EQ(std::count(f.ids.begin(), f.ids.end(), end), 1);
    input.bags.add(f.ids, f.weights);
  }
  const auto predictions = classifier.predict_input(input, 1);
  int right = 0;
  for (size_t i = 0; i < test.points.size(); ++i) {
    right += predictions[i][0].label == test.points[i].labels[0];
  }
  EXPECT_GE(right, 95);  // chance is 20
}

TEST(ClassifierAutotune, TrialsMutateTheBestAndKeepTheBest) {
  testing::TempDir dir;
  write_synthetic(dir.file("train.txt"), 300, 1);
  write_synthetic(dir.file("valid.txt"), 100, 2);
  ClassificationTrainingOptions base;
  base.input.path = dir.file("train.txt");
  base.featurizer.buckets = 1024;
  base.model.dim = 8;
  base.trainer.epochs = 2;
  base.trainer.batch_size = 32;
  base.trainer.lr.base_lr = 0.001f;  // too small for 2 epochs: later trials do better
  LabeledInputOptions validation;
  validation.path = dir.file("valid.txt");
  std::vector<AutotuneTrial> trials;
  AutotuneOptions options;
  options.seconds = 600;
  options.max_trials = 6;
  options.seed = 5;
  options.on_trial = [&](const AutotuneTrial& trial, const AutotuneTrial& best) {
    trials.push_back(trial);
    EXPECT_GE(best.score, trial.score);
  };
  const AutotuneTrial best = autotune_classifier(base, validation, options);
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(describe_autotuned(trials[0].settings), describe_autotuned(base));  // base first
  EXPECT_NE(describe_autotuned(trials[1].settings), describe_autotuned(base));
  for (const AutotuneTrial& trial : trials) EXPECT_LE(trial.score, best.score);
  EXPECT_GT(best.score, trials[0].score);
  EXPECT_THAT(
      describe_autotuned(base),
      ::testing::StartsWith("--lr 0.001 --epochs 2 --dim 8 --weight-decay 0 --loss softmax"));

  // The budget's end stops a trial unscored; derive reshapes every mutated trial (here into
  // one far too long for the budget).
  trials.clear();
  options.seconds = 2;
  options.max_trials = 0;
  options.derive = [](ClassificationTrainingOptions& trial) { trial.trainer.epochs = 100000; };
  const AutotuneTrial first = autotune_classifier(base, validation, options);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_FALSE(trials[0].stopped);
  EXPECT_TRUE(trials[1].stopped);
  EXPECT_EQ(trials[1].settings.trainer.epochs, 100000);
  EXPECT_EQ(first.number, 1);
  EXPECT_EQ(first.score, trials[0].score);
}

// A run its stop condition cut short writes no model.
TEST(ClassificationTraining, AStoppedRunSavesNothing) {
  testing::TempDir dir;
  write_synthetic(dir.file("train.txt"), 100, 1);
  ClassificationTrainingOptions options;
  options.input.path = dir.file("train.txt");
  options.featurizer.buckets = 1024;
  options.model.dim = 8;
  options.trainer.epochs = 2;
  options.trainer.batch_size = 32;
  ClassificationTraining training(options);
  training.trainer().stop_when([] { return true; });
  EXPECT_THAT(
      testing::error_message([&] { (void)training.run_and_save(dir.file("m.safetensors")); }),
      ::testing::HasSubstr("training stopped at step 1 before its end"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.safetensors")));
}

// quantize --retrain: the rows the cutoff keeps are trained again on texts that hold only them.
// The dropped rows are never touched, and the compact model of the result (keeping the same
// rows) gives exactly the retrained model's vectors of the cut texts.
TEST(ClassificationTraining, RetrainingTrainsOnlyTheKeptRows) {
  testing::TempDir dir;
  write_synthetic(dir.file("train.txt"), 600, 1);
  write_synthetic(dir.file("test.txt"), 200, 2);
  ClassificationTrainingOptions options;
  options.input.path = dir.file("train.txt");
  options.featurizer.buckets = 1024;
  options.model.dim = 16;
  options.trainer.epochs = 4;
  options.trainer.batch_size = 32;
  options.trainer.lr.base_lr = 0.02f;
  options.trainer.seed = 3;
  ClassificationTraining(options).run_and_save(dir.file("m.safetensors"));
  Model model = Model::load(dir.file("m.safetensors"));
  options.head = ClassifierHead::from_json(
      read_safetensors_metadata(dir.file("m.safetensors")).at(std::string(kClassifierHeadKey)));
  CompactOptions compact;
  compact.cutoff = 30;
  std::vector<bool> kept = compact_kept_features(model, compact);
  ASSERT_EQ(std::count(kept.begin(), kept.end(), true), 30);
  // Over hashed buckets, the model has rows only for the features its texts hold.
  ASSERT_EQ(model.tower("query").kind(), "compact_bag");
  const auto& trained = static_cast<const CompactBagEncoder&>(model.tower("query"));
  const std::vector<int32_t> features = trained.feature_ids();
  {
    std::vector<std::string> train_texts;
    for (const LabeledText& item : read_labeled_texts(options.input)) {
      train_texts.push_back(item.text);
    }
    std::vector<int32_t> held = model.featurize(train_texts).ids;
    std::sort(held.begin(), held.end());
    held.erase(std::unique(held.begin(), held.end()), held.end());
    EXPECT_EQ(features, held);
    EXPECT_LT(static_cast<int64_t>(held.size()), model.featurizer().num_features());
  }
  const Tensor before = trained.table().value.clone();

  options.trainer.epochs = 2;
  ClassificationTraining retraining(options, std::move(model), kept);
  EXPECT_EQ(retraining.labels().size(), 6u);
  retraining.trainer().run();
  const Tensor& after =
      static_cast<const CompactBagEncoder&>(retraining.model().tower("query")).table().value;
  int64_t changed = 0;
  for (int64_t r = 0; r < before.dim(0); ++r) {
    const bool same = std::equal(before.row(r), before.row(r) + before.cols(), after.row(r));
    if (kept[static_cast<size_t>(features[static_cast<size_t>(r)])]) {
      changed += same ? 0 : 1;
    } else {
      EXPECT_TRUE(same) << "row " << r << " was cut off, yet trained";
    }
  }
  EXPECT_GT(changed, 20);

  LabeledInputOptions test_input;
  test_input.path = dir.file("test.txt");
  const std::vector<LabeledText> test = read_labeled_texts(test_input);
  std::vector<std::string> texts;
  for (const LabeledText& item : test) texts.push_back(item.text);
  Bags cut;
  const Bags bags = retraining.model().featurize(texts);
  for (int64_t b = 0; b < bags.size(); ++b) {
    std::vector<int32_t> ids;
    std::vector<float> weights;
    for (auto i = bags.offsets[static_cast<size_t>(b)];
         i < bags.offsets[static_cast<size_t>(b) + 1]; ++i) {
      if (!kept[static_cast<size_t>(bags.ids[static_cast<size_t>(i)])]) continue;
      ids.push_back(bags.ids[static_cast<size_t>(i)]);
      weights.push_back(bags.weights[static_cast<size_t>(i)]);
    }
    cut.add(ids, weights);
  }
  const Tensor expected = retraining.model().embed_input(EncoderInput{cut}, 0, kQueryTower);
  compact.counts.assign(kept.begin(), kept.end());
  auto small = std::make_shared<Model>(compact_model(retraining.model(), compact));
  const Tensor got = small->embed(texts);
  ASSERT_EQ(got.numel(), expected.numel());
  for (int64_t i = 0; i < got.numel(); ++i) EXPECT_NEAR(got.data()[i], expected.data()[i], 1e-5f);
  const Classifier classifier(small, options.head, "", 0);
  const ClassificationMetrics m = classification_metrics(
      classifier.predict(texts, 1), gold_label_ids(test, classifier.labels()), {1}, 6);
  EXPECT_GE(m.at_k[0].precision(), 0.9);

  // The input's labels must be the model's.
  std::ofstream(dir.file("other.txt")) << "__label__tag1 l1w0\n__label__elsewhere l2w0\n";
  options.input.path = dir.file("other.txt");
  EXPECT_THAT(testing::error_message([&] {
                ClassificationTraining(options, Model::load(dir.file("m.safetensors")), kept);
              }),
              ::testing::HasSubstr("other.txt:2: label 'elsewhere' is not one the model"));
}

TEST(ClassificationTraining, OneLabelIsNothingToLearn) {
  testing::TempDir dir;
  std::ofstream(dir.file("one.txt")) << "__label__a x\n__label__a y\n";
  ClassificationTrainingOptions options;
  options.input.path = dir.file("one.txt");
  EXPECT_THAT(testing::error_message([&] { ClassificationTraining training(options); }),
              ::testing::HasSubstr("every text has the label 'a'"));
}

}  // namespace
}  // namespace tessera
