#include "tessera/train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"
#include "tessera/model/safetensors.h"
#include "tessera/train/text_pair_source.h"
#include "train_test_support.h"

namespace tessera {
namespace {

using testing::retrieval_task;
using testing::topic_model;
using testing::topic_model_options;
using testing::topic_task;

// Top-1 accuracy of the queries against all documents of the task.
double top1_accuracy(const Model& model, const std::vector<TextPair>& pairs) {
  std::vector<std::string> queries, documents;
  for (const TextPair& p : pairs) {
    queries.push_back(p.query);
    documents.push_back(p.positive);
  }
  const Tensor q = model.embed(queries, 0, kQueryTower);
  const Tensor d = model.embed(documents, 0, kDocumentTower);
  int correct = 0;
  for (int64_t i = 0; i < q.dim(0); ++i) {
    int64_t best = 0;
    float best_score = -2;
    for (int64_t j = 0; j < d.dim(0); ++j) {
      const float s = kernels::dot(q.row(i), d.row(j), q.dim(1));
      if (s > best_score) best_score = s, best = j;
    }
    correct += best == i;
  }
  return static_cast<double>(correct) / static_cast<double>(q.dim(0));
}

TrainerOptions small_options() {
  TrainerOptions o;
  o.epochs = 6;
  o.batch_size = 16;
  o.lr.base_lr = 0.05f;
  o.seed = 11;
  return o;
}

TEST(Trainer, LearnsToRetrieveTheTopicDocument) {
  const auto task = topic_task(64, 20, 1);
  Model model = topic_model(task);
  const double before = top1_accuracy(model, task.pairs);
  const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
  Trainer trainer(model, {{&source, 1.0}}, retrieval_task(model), small_options());
  int64_t steps_seen = 0;
  trainer.on_progress([&](const StepProgress& p) { steps_seen = p.step; });
  const TrainReport report = trainer.run();
  ASSERT_EQ(report.epochs.size(), 6u);
  EXPECT_LT(report.epochs.back().loss, report.epochs.front().loss * 0.5);
  EXPECT_EQ(steps_seen, report.steps);
  EXPECT_EQ(report.examples, 6 * 64);
  const double after = top1_accuracy(model, task.pairs);
  EXPECT_LT(before, 0.3);
  EXPECT_GE(after, 0.95);
}

// A stop condition ends the run after the step it answers true to (an autotune budget); a later
// run() goes on from there and ends where an uninterrupted run does.
TEST(Trainer, AStopConditionEndsTheRunAfterThatStep) {
  const auto task = topic_task(64, 20, 1);
  Model whole = topic_model(task);
  const TextPairSource source = TextPairSource::from_pairs(whole.featurizer(), task.pairs, "t");
  Trainer uninterrupted(whole, {{&source, 1.0}}, retrieval_task(whole), small_options());
  const TrainReport full = uninterrupted.run();
  EXPECT_FALSE(full.stopped);

  Model model = topic_model(task);
  Trainer trainer(model, {{&source, 1.0}}, retrieval_task(model), small_options());
  int64_t steps = 0;
  trainer.on_progress([&](const StepProgress& p) { steps = p.step; });
  trainer.stop_when([&] { return steps == 5; });
  const TrainReport stopped = trainer.run();
  EXPECT_TRUE(stopped.stopped);
  EXPECT_EQ(stopped.steps, 5);
  EXPECT_EQ(stopped.epochs.size(), 1u);  // 4 batches to an epoch: the second had begun
  trainer.stop_when({});
  const TrainReport rest = trainer.run();
  EXPECT_FALSE(rest.stopped);
  EXPECT_EQ(rest.steps, full.steps);
  EXPECT_EQ(model.embed({"a b c"}).to_vector(), whole.embed({"a b c"}).to_vector());

  // Never asked after the last step: a run that reaches its end is not stopped.
  TrainerOptions one_epoch = small_options();
  one_epoch.epochs = 1;
  Model short_model = topic_model(task);
  Trainer always(short_model, {{&source, 1.0}}, retrieval_task(short_model), one_epoch);
  always.stop_when([] { return true; });
  int runs = 1;
  while (always.run().stopped) ++runs;
  EXPECT_EQ(runs, 4);  // stopped after steps 1, 2 and 3; step 4 ends the run
}

TEST(Trainer, TwoTowersProjectionAndSymmetricLossTrain) {
  const auto task = topic_task(48, 20, 2);
  ModelOptions mo = topic_model_options();
  mo.two_towers = true;
  mo.projection = true;
  mo.table_dim = 24;
  Model model = topic_model(task, mo);
  const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
  TrainerOptions o = small_options();
  o.epochs = 10;
  InfoNceOptions loss;
  loss.symmetric = true;
  Trainer trainer(model, {{&source, 1.0}}, retrieval_task(model, loss), o);
  const TrainReport report = trainer.run();
  EXPECT_LT(report.epochs.back().loss, report.epochs.front().loss * 0.5);
  EXPECT_GE(top1_accuracy(model, task.pairs), 0.9);
}

TEST(Trainer, NgameClustersMakeHarderBatches) {
  // Topics come in 4 families of 16 that share half their words. Clustered batches (of 16)
  // gather a family's queries, so their in-batch negatives are closer than in random batches.
  const auto task = topic_task(64, 20, 3, 4);
  auto train = [&](int64_t cluster_size) {
    Model model = topic_model(task);
    const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
    TrainerOptions o = small_options();
    o.ngame.cluster_size = cluster_size;
    if (cluster_size > 1) o.ngame.double_at = {3};
    o.ngame.cluster_dim = 0;
    return Trainer(model, {{&source, 1.0}}, retrieval_task(model), o).run();
  };
  const TrainReport random_batches = train(1);
  const TrainReport clustered = train(8);  // 8, then 16 (a whole family) from epoch 4
  EXPECT_EQ(clustered.epochs[0].cluster_size, 8);
  EXPECT_EQ(clustered.epochs[5].cluster_size, 16);
  EXPECT_EQ(random_batches.epochs[5].cluster_size, 1);
  double random_mean = 0, clustered_mean = 0;
  for (size_t e = 0; e < 6; ++e) {
    random_mean += random_batches.epochs[e].negative_cosine / 6;
    clustered_mean += clustered.epochs[e].negative_cosine / 6;
  }
  EXPECT_GT(clustered_mean, random_mean + 0.05) << clustered_mean << " vs " << random_mean;
  EXPECT_GT(clustered.epochs[5].negative_cosine, random_batches.epochs[5].negative_cosine + 0.05);
}

// Every weight compared bit for bit.
void expect_same_weights(Model& a, Model& b) {
  const std::vector<Parameter*> x = a.parameters(), y = b.parameters();
  ASSERT_EQ(x.size(), y.size());
  for (size_t p = 0; p < x.size(); ++p) {
    ASSERT_EQ(x[p]->name, y[p]->name);
    ASSERT_EQ(x[p]->value.numel(), y[p]->value.numel());
    for (int64_t i = 0; i < x[p]->value.numel(); ++i) {
      ASSERT_EQ(x[p]->value.data()[i], y[p]->value.data()[i]) << x[p]->name << " at " << i;
    }
  }
}

TEST(Trainer, ResumeFromACheckpointIsBitIdentical) {
  const auto task = topic_task(64, 20, 4);
  testing::TempDir dir;
  TrainerOptions o = small_options();
  o.ngame.cluster_size = 2;  // NGAME plans must survive the checkpoint too
  o.ngame.double_at = {2};
  o.ngame.recluster_every = 2;
  InfoNceOptions loss;
  loss.learn_scale = true;  // and the learned scale with its optimizer state
  loss.scale = 10.0f;
  o.checkpoint_path = (dir.path() / "run.checkpoint").string();
  o.checkpoint_minutes = 0;  // after every step
  o.metrics_log = (dir.path() / "log.jsonl").string();

  Model whole = topic_model(task);
  {
    const TextPairSource source = TextPairSource::from_pairs(whole.featurizer(), task.pairs, "t");
    TrainerOptions plain = o;
    plain.checkpoint_path.clear();
    plain.metrics_log.clear();
    Trainer(whole, {{&source, 1.0}}, retrieval_task(whole, loss), plain).run();
  }
  // A run that dies in the middle of epoch 4 (an exception from the progress callback).
  {
    Model model = topic_model(task);
    const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
    Trainer trainer(model, {{&source, 1.0}}, retrieval_task(model, loss), o);
    trainer.on_progress([](const StepProgress& p) {
      if (p.epoch == 4 && p.batch == 2) throw std::runtime_error("killed");
    });
    EXPECT_THROW(trainer.run(), std::runtime_error);
  }
  // A checkpoint also loads as a model.
  EXPECT_NO_THROW(Model::load(o.checkpoint_path));
  Model resumed = topic_model(task);
  const TextPairSource source = TextPairSource::from_pairs(resumed.featurizer(), task.pairs, "t");
  Trainer trainer(resumed, {{&source, 1.0}}, retrieval_task(resumed, loss), o);
  trainer.resume(o.checkpoint_path);
  const TrainReport report = trainer.run();
  EXPECT_GT(report.resumed_from_step, 0);
  EXPECT_EQ(report.epochs.size(), 6u);
  expect_same_weights(whole, resumed);
  EXPECT_NE(report.epochs.back().objective.at("scale"), 10.0);  // it was learned
  // The log holds each epoch once: three before the crash, three after.
  std::ifstream log(o.metrics_log);
  int lines = 0;
  for (std::string line; std::getline(log, line);) ++lines;
  EXPECT_EQ(lines, 6);
}

TEST(Trainer, ResumeRejectsAnotherRunsCheckpoint) {
  const auto task = topic_task(32, 10, 5);
  testing::TempDir dir;
  TrainerOptions o = small_options();
  o.epochs = 1;
  o.checkpoint_path = (dir.path() / "c").string();
  o.checkpoint_minutes = 0;
  Model model = topic_model(task);
  const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
  Trainer(model, {{&source, 1.0}}, retrieval_task(model), o).run();
  TrainerOptions other = o;
  other.seed = 12;
  Trainer different(model, {{&source, 1.0}}, retrieval_task(model), other);
  const std::string message = testing::error_message([&] { different.resume(o.checkpoint_path); });
  EXPECT_NE(message.find("seed"), std::string::npos) << message;
  // A model file is not a checkpoint.
  const std::string plain = (dir.path() / "model.safetensors").string();
  model.save(plain);
  EXPECT_NE(
      testing::error_message([&] { different.resume(plain); }).find("not a training checkpoint"),
      std::string::npos);
  // A checkpoint whose position is not one of the run's.
  SafetensorsContents contents = read_safetensors(o.checkpoint_path);
  nlohmann::json state = nlohmann::json::parse(contents.metadata.at("trainer_state"));
  state["next_batch"] = -1;
  contents.metadata["trainer_state"] = state.dump();
  const std::string edited = (dir.path() / "edited").string();
  write_safetensors(edited, contents.metadata, contents.tensors);
  Trainer same(model, {{&source, 1.0}}, retrieval_task(model), o);
  EXPECT_NE(testing::error_message([&] { same.resume(edited); }).find("not a place this run"),
            std::string::npos);
}

TEST(Trainer, ResumeRejectsACheckpointOfOtherSettings) {
  const auto task = topic_task(32, 10, 5);
  testing::TempDir dir;
  TrainerOptions o = small_options();
  o.epochs = 1;
  o.checkpoint_path = (dir.path() / "c").string();
  o.checkpoint_minutes = 0;
  o.settings_json = R"({"lr":0.02,"epochs":1})";
  Model model = topic_model(task);
  const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
  Trainer(model, {{&source, 1.0}}, retrieval_task(model), o).run();
  TrainerOptions other = o;
  other.settings_json = R"({"lr":0.05,"epochs":1})";
  Trainer changed(model, {{&source, 1.0}}, retrieval_task(model), other);
  const std::string message = testing::error_message([&] { changed.resume(o.checkpoint_path); });
  EXPECT_NE(message.find("other settings: lr 0.05 (the checkpoint's: 0.02)"), std::string::npos)
      << message;
  Trainer same(model, {{&source, 1.0}}, retrieval_task(model), o);
  EXPECT_NO_THROW(same.resume(o.checkpoint_path));
}

TEST(Trainer, ACheckpointThatCannotBeWrittenIsAWarningAndTrainingGoesOn) {
  const auto task = topic_task(32, 10, 5);
  testing::TempDir dir;
  TrainerOptions o = small_options();
  o.epochs = 2;
  o.checkpoint_path = (dir.path() / "missing" / "c").string();
  o.checkpoint_minutes = 0;
  Model model = topic_model(task);
  const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
  Trainer trainer(model, {{&source, 1.0}}, retrieval_task(model), o);
  std::vector<std::string> warnings;
  trainer.on_warning([&](const std::string& w) { warnings.push_back(w); });
  const TrainReport report = trainer.run();
  EXPECT_EQ(report.epochs.size(), 2u);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings[0].find("no checkpoint written"), std::string::npos) << warnings[0];
}

TEST(Trainer, RejectsBadOptions) {
  const auto task = topic_task(8, 5, 6);
  Model model = topic_model(task);
  const TextPairSource source = TextPairSource::from_pairs(model.featurizer(), task.pairs, "t");
  TrainerOptions o = small_options();
  o.batch_size = 1;
  EXPECT_THROW(Trainer(model, {{&source, 1.0}}, retrieval_task(model), o), Error);
  EXPECT_THROW(retrieval_task(model, {}, {1, 2, 3}), Error);  // 2 prefixes
  InfoNceOptions loss;
  loss.learn_scale = true;
  loss.scale = 500.0f;
  EXPECT_THROW(retrieval_task(model, loss), Error);
  EXPECT_THROW(Trainer(model, {}, retrieval_task(model), small_options()), Error);
  TrainingTask no_objective;
  EXPECT_THROW(Trainer(model, {{&source, 1.0}}, no_objective, small_options()), Error);
  TrainingTask unknown_tower = retrieval_task(model);
  unknown_tower.candidate_tower = "label";
  EXPECT_THROW(Trainer(model, {{&source, 1.0}}, unknown_tower, small_options()), Error);
}

}  // namespace
}  // namespace tessera
