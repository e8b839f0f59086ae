// Objectives and the batches they score: InfoNCE through the objective interface equals the fused
// kernel, the Matryoshka wrapper equals the sum of its prefixes' losses (fused or composed), and
// label softmax, full and sampled, has the gradient finite differences give, through embed_batch
// down to the rows of a bag tower and an id tower.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>

#include "../core/test_support.h"
#include "tessera/core/check.h"
#include "tessera/train/infonce.h"
#include "tessera/train/label_objective.h"
#include "tessera/train/matryoshka_infonce.h"
#include "tessera/train/matryoshka_objective.h"
#include "tessera/train/training_task.h"
#include "train_test_support.h"

namespace tessera {
namespace {

// A model over 12 words: a "query" bag tower (shared as "document") and a "label" tower of 5
// ids, dim 8, prefixes 4 and 8.
Model labeled_model(uint64_t seed = 3) {
  std::vector<std::pair<std::string, int64_t>> counts;
  for (int w = 0; w < 12; ++w) counts.emplace_back(fmt::format("w{}", w), 1);
  FeaturizerConfig config;
  config.buckets = 0;
  config.word_ngrams = 1;
  ModelOptions options;
  options.dim = 8;
  options.prefixes = {4, 8};
  options.id_towers = {{"label", 5}};
  options.init_std = 0.5f;
  options.seed = seed;
  return Model::create(config, Vocabulary::from_counts(counts), options);
}

Features words(std::initializer_list<int32_t> ids) {
  Features f;
  f.ids = ids;
  f.weights.assign(f.ids.size(), 1.0f);
  return f;
}

// Four texts with one or two labels each.
std::vector<Example> labeled_examples() {
  std::vector<Example> out(4);
  out[0].anchor = words({0, 1, 2});
  out[0].positives = {Example::id(1)};
  out[1].anchor = words({3, 4});
  out[1].positives = {Example::id(0), Example::id(3)};
  out[2].anchor = words({5, 6, 7, 8});
  out[2].positives = {Example::id(4)};
  out[3].anchor = words({9, 10, 11, 0});
  out[3].positives = {Example::id(1), Example::id(2)};
  out[3].weight = 2.0f;
  return out;
}

TrainingTask label_task(Candidates candidates, int64_t samples = 0) {
  TrainingTask task;
  task.anchor_tower = "query";
  task.candidate_tower = "label";
  task.candidates = candidates;
  task.samples = samples;
  task.catalog = default_catalog(labeled_model().tower("label"));
  task.objective = std::make_shared<LabelObjective>();
  return task;
}

// The loss of the examples on a fresh tape, the step's random state fixed by seed.
float loss_of(Model& model, const TrainingTask& task, const std::vector<Example>& examples,
              uint64_t seed) {
  Graph graph;
  Random random(seed);
  return task.objective->loss(embed_batch(graph, model, task, examples, random)).item();
}

// Central differences of the loss in every entry of the rows `rows` of a sparse parameter,
// against the gradient backward leaves in it; the largest error relative to the gradient's size
// (plus 0.05).
double worst_gradient_error(Model& model, Parameter& table, const std::vector<int32_t>& rows,
                            const TrainingTask& task, const std::vector<Example>& examples) {
  constexpr uint64_t kSeed = 9;
  table.zero_grad();
  {
    Graph graph;
    Random random(kSeed);
    const Var loss = task.objective->loss(embed_batch(graph, model, task, examples, random));
    graph.backward(loss);
  }
  const Tensor grads = table.sparse_grad.values();
  const std::span<const int32_t> touched = table.sparse_grad.rows();
  double worst = 0;
  for (const int32_t row : rows) {
    const auto slot = std::find(touched.begin(), touched.end(), row) - touched.begin();
    for (int64_t c = 0; c < table.value.cols(); ++c) {
      const double analytic =
          slot < std::ssize(touched) ? static_cast<double>(grads.row(slot)[c]) : 0.0;
      float& w = table.value.row(row)[c];
      const float saved = w;
      constexpr float kEps = 2e-3f;
      w = saved + kEps;
      const double up = loss_of(model, task, examples, kSeed);
      w = saved - kEps;
      const double down = loss_of(model, task, examples, kSeed);
      w = saved;
      const double numeric = (up - down) / (2.0 * kEps);
      // Relative error, with an absolute floor for small entries: float rounding in the loss
      // leaves ~1e-4 of noise in a central difference.
      worst = std::max(worst, std::abs(analytic - numeric) /
                                  (std::max(std::abs(analytic), std::abs(numeric)) + 0.05));
    }
  }
  table.zero_grad();
  return worst;
}

Parameter& parameter(Model& model, const std::string& name) {
  for (Parameter* p : model.parameters()) {
    if (p->name == name) return *p;
  }
  TESSERA_FAIL("no parameter {}", name);
}

TEST(LabelObjective, FullSoftmaxScoresEveryLabelWithMultiLabelTargets) {
  Model model = labeled_model();
  const TrainingTask task = label_task(Candidates::kAllRows);
  Graph graph;
  Random random(1);
  const EmbeddedBatch batch = embed_batch(graph, model, task, labeled_examples(), random);
  EXPECT_EQ(batch.anchors.value().rows(), 4);
  EXPECT_EQ(batch.candidates.value().rows(), 5);  // the whole label tower
  EXPECT_EQ(batch.targets.offsets, (std::vector<int64_t>{0, 1, 3, 4, 6}));
  EXPECT_EQ(batch.targets.targets, (std::vector<int64_t>{1, 0, 3, 4, 1, 2}));
  EXPECT_EQ(batch.targets.weights, (std::vector<float>{1, 1, 1, 2}));
  EXPECT_FALSE(batch.diagonal());
  // The loss by hand: scale 20 * cosine, softmax over the 5 labels, -mean log p of the targets.
  const Tensor a = l2_normalized_prefix(batch.anchors.value(), 8);
  const Tensor l = l2_normalized_prefix(batch.candidates.value(), 8);
  double expected = 0;
  for (int64_t i = 0; i < 4; ++i) {
    std::vector<double> logits(5);
    double max = -1e30;
    for (int64_t j = 0; j < 5; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < 8; ++c) dot += double(a.row(i)[c]) * l.row(j)[c];
      logits[static_cast<size_t>(j)] = 20 * dot;
      max = std::max(max, logits[static_cast<size_t>(j)]);
    }
    double total = 0;
    for (const double x : logits) total += std::exp(x - max);
    const double lse = max + std::log(total);
    double target_mean = 0;
    const int64_t first = batch.targets.offsets[static_cast<size_t>(i)];
    const int64_t last = batch.targets.offsets[static_cast<size_t>(i) + 1];
    for (int64_t k = first; k < last; ++k) {
      target_mean += logits[static_cast<size_t>(batch.targets.targets[static_cast<size_t>(k)])];
    }
    expected += batch.targets.weights[static_cast<size_t>(i)] *
                (lse - target_mean / static_cast<double>(last - first)) / 4;
  }
  EXPECT_NEAR(task.objective->loss(batch).item(), expected, 1e-4 * std::abs(expected));
}

TEST(LabelObjective, FullSoftmaxGradientsMatchFiniteDifferences) {
  Model model = labeled_model();
  const TrainingTask task = label_task(Candidates::kAllRows);
  const std::vector<Example> examples = labeled_examples();
  // Every label row (each is a candidate of every anchor) and the words of two texts.
  EXPECT_LT(
      worst_gradient_error(model, parameter(model, "label.table"), {0, 1, 2, 3, 4}, task, examples),
      5e-3);
  EXPECT_LT(worst_gradient_error(model, parameter(model, "query.table"), {0, 3, 9}, task, examples),
            5e-3);
}

TEST(LabelObjective, OneVsAllIsALogisticLossPerLabelOfTheInnerProducts) {
  Model model = labeled_model();
  TrainingTask task = label_task(Candidates::kAllRows);
  task.objective = std::make_shared<LabelObjective>(
      LabelObjectiveOptions{LabelLoss::kLogistic, Similarity::kDot, 2.0f});
  Graph graph;
  Random random(1);
  const EmbeddedBatch batch = embed_batch(graph, model, task, labeled_examples(), random);
  const Tensor& a = batch.anchors.value();
  const Tensor& l = batch.candidates.value();
  double expected = 0;
  for (int64_t i = 0; i < 4; ++i) {
    const auto first = batch.targets.targets.begin() + batch.targets.offsets[i];
    const auto last = batch.targets.targets.begin() + batch.targets.offsets[i + 1];
    for (int64_t j = 0; j < 5; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < 8; ++c) dot += double(a.row(i)[c]) * l.row(j)[c];
      const double p = 1 / (1 + std::exp(-2 * dot));
      expected += batch.targets.weights[static_cast<size_t>(i)] *
                  -std::log(std::find(first, last, j) != last ? p : 1 - p) / 4;
    }
  }
  EXPECT_NEAR(task.objective->loss(batch).item(), expected, 1e-4 * std::abs(expected));
  EXPECT_LT(worst_gradient_error(model, parameter(model, "label.table"), {0, 1, 2, 3, 4}, task,
                                 labeled_examples()),
            5e-3);
}

TEST(LabelObjective, SampledSoftmaxScoresPositivesAndASampleOfTheLabelTable) {
  Model model = labeled_model();
  const TrainingTask task = label_task(Candidates::kSampledRows, 1);
  std::vector<Example> examples(2);
  examples[0].anchor = words({0, 1});
  examples[0].positives = {Example::id(3)};
  examples[1].anchor = words({2});
  examples[1].positives = {Example::id(1)};
  examples[1].negatives = {Example::id(4)};  // an explicit negative is always a candidate
  const Tensor labels = model.tower("label").encode(default_catalog(model.tower("label")));
  std::set<std::vector<int64_t>> candidate_sets;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Graph graph;
    Random random(seed);
    const EmbeddedBatch batch = embed_batch(graph, model, task, examples, random);
    // Which label row each candidate is.
    std::vector<int64_t> rows;
    for (int64_t k = 0; k < batch.candidates.value().rows(); ++k) {
      for (int64_t j = 0; j < labels.rows(); ++j) {
        if (std::equal(labels.row(j), labels.row(j) + 8, batch.candidates.value().row(k))) {
          rows.push_back(j);
        }
      }
    }
    // 1, 3 and 4, and the one sample: another label or one of them again; in row order.
    ASSERT_TRUE(rows.size() == 3 || rows.size() == 4) << rows.size();
    EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
    for (const int64_t needed : {1, 3, 4}) {
      EXPECT_NE(std::find(rows.begin(), rows.end(), needed), rows.end()) << needed;
    }
    candidate_sets.insert(rows);
    // Each anchor's target is its own label's position.
    EXPECT_EQ(rows[static_cast<size_t>(batch.targets.targets[0])], 3);
    EXPECT_EQ(rows[static_cast<size_t>(batch.targets.targets[1])], 1);
  }
  EXPECT_EQ(candidate_sets.size(), 3u);  // both labels left out were sampled at some seed
}

TEST(LabelObjective, SampledSoftmaxGradientsMatchFiniteDifferences) {
  Model model = labeled_model();
  const TrainingTask task = label_task(Candidates::kSampledRows, 1);
  // Positives among labels 1 and 3 only: with one sample, at least two labels are no candidate
  // at all, their rows get no gradient, and finite differences agree (the sample is fixed by the
  // step's random state).
  std::vector<Example> examples = labeled_examples();
  examples[0].positives = {Example::id(1)};
  examples[1].positives = {Example::id(3)};
  examples[2].positives = {Example::id(1), Example::id(3)};
  examples[3].positives = {Example::id(3)};
  EXPECT_LT(
      worst_gradient_error(model, parameter(model, "label.table"), {0, 1, 2, 3, 4}, task, examples),
      5e-3);
  EXPECT_LT(
      worst_gradient_error(model, parameter(model, "query.table"), {1, 4, 11}, task, examples),
      5e-3);
  Parameter& labels = parameter(model, "label.table");
  labels.zero_grad();
  Graph graph;
  Random random(9);
  graph.backward(task.objective->loss(embed_batch(graph, model, task, examples, random)));
  EXPECT_LE(labels.sparse_grad.size(), 3);
  labels.zero_grad();
}

TEST(LabelObjective, RejectsItemsThatAreNotCatalogRows) {
  Model model = labeled_model();
  std::vector<Example> examples = labeled_examples();
  examples[2].positives = {Example::id(5)};  // 5 labels: 0..4
  Graph graph;
  Random random(1);
  EXPECT_THROW((void)embed_batch(graph, model, label_task(Candidates::kAllRows), examples, random),
               Error);
  examples[2].positives = {words({1, 2})};
  EXPECT_THROW(
      (void)embed_batch(graph, model, label_task(Candidates::kSampledRows, 3), examples, random),
      Error);
  EXPECT_THROW((void)default_catalog(model.tower("query")), Error);  // texts: the caller's to give
}

// In-batch pairs: positives first (row i for anchor i), further positives and negatives after.
TEST(EmbedBatch, InBatchCandidatesAndTargets) {
  Model model = labeled_model();
  TrainingTask task;
  task.objective = std::make_shared<InfoNce>(InfoNceOptions{});
  std::vector<Example> examples(3);
  for (int i = 0; i < 3; ++i) {
    examples[static_cast<size_t>(i)].anchor = words({i});
    examples[static_cast<size_t>(i)].positives = {words({i + 3})};
  }
  examples[1].positives.push_back(words({7}));
  examples[2].negatives = {words({8}), words({9})};
  Graph graph;
  Random random(1);
  const EmbeddedBatch batch = embed_batch(graph, model, task, examples, random);
  EXPECT_EQ(batch.candidates.value().rows(), 6);
  EXPECT_EQ(batch.targets.offsets, (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(batch.targets.targets, (std::vector<int64_t>{0, 1, 3, 2}));
  EXPECT_FALSE(batch.diagonal());
  EXPECT_THROW((void)task.objective->loss(batch), Error);  // InfoNCE: one positive per anchor
  // One tower for both sides: one forward pass, the same vectors as two.
  EncoderInput input;
  for (const Example& ex : examples) input.bags.add(ex.anchor.ids, ex.anchor.weights);
  const Tensor anchors = model.tower("query").encode(input);
  for (int64_t r = 0; r < 3; ++r) {
    for (int64_t c = 0; c < 8; ++c) EXPECT_EQ(batch.anchors.value().row(r)[c], anchors.row(r)[c]);
  }
}

TEST(EmbedBatch, MeanNegativeCosineAgainstBruteForce) {
  Model model = labeled_model();
  const TrainingTask task = label_task(Candidates::kAllRows);
  Graph graph;
  Random random(1);
  const EmbeddedBatch batch = embed_batch(graph, model, task, labeled_examples(), random);
  const Tensor a = l2_normalized_prefix(batch.anchors.value(), 8);
  const Tensor c = l2_normalized_prefix(batch.candidates.value(), 8);
  double total = 0;
  int count = 0;
  for (int64_t i = 0; i < 4; ++i) {
    const auto first =
        batch.targets.targets.begin() + batch.targets.offsets[static_cast<size_t>(i)];
    const auto last =
        batch.targets.targets.begin() + batch.targets.offsets[static_cast<size_t>(i) + 1];
    for (int64_t j = 0; j < 5; ++j) {
      if (std::find(first, last, j) != last) continue;
      double dot = 0;
      for (int64_t k = 0; k < 8; ++k) dot += double(a.row(i)[k]) * c.row(j)[k];
      total += dot;
      ++count;
    }
  }
  EXPECT_NEAR(mean_negative_cosine(batch), total / count, 1e-5);
}

// The Matryoshka wrapper: InfoNCE's fused kernel equals the kernel called directly, and equals
// the sum of the one-prefix losses; an objective without a fused form is summed prefix by prefix.
TEST(MatryoshkaObjective, FusedAndComposedPathsAgree) {
  testing::Rng rng(5);
  const Tensor q = testing::random_tensor({6, 8}, rng);
  const Tensor d = testing::random_tensor({9, 8}, rng);
  RowTargets diagonal;
  for (int64_t i = 0; i < 6; ++i) diagonal.add(std::vector<int64_t>{i});
  auto infonce = std::make_shared<InfoNce>(InfoNceOptions{10.0f, false, true});
  MatryoshkaObjective matryoshka(infonce, {4, 8}, {1.0f, 0.5f});
  Graph g;
  const EmbeddedBatch batch{g.leaf(q), g.leaf(d), diagonal};
  const float fused = matryoshka.loss(batch).item();
  const float composed = infonce->loss(batch.prefix(4)).item() + 0.5f * infonce->loss(batch).item();
  EXPECT_NEAR(fused, composed, 1e-5);
  MatryoshkaInfoNceOptions kernel;
  kernel.prefixes = {4, 8};
  kernel.weights = {1.0f, 0.5f};
  kernel.scale = 10.0f;
  const Var direct =
      scale(add(matryoshka_infonce(batch.anchors, batch.candidates, kernel),
                matryoshka_infonce(slice_rows(batch.candidates, 0, 6), batch.anchors, kernel)),
            0.5f);
  EXPECT_FLOAT_EQ(fused, direct.item());

  auto softmax = std::make_shared<LabelObjective>(
      LabelObjectiveOptions{LabelLoss::kSoftmax, Similarity::kDot, 2.0f});
  MatryoshkaObjective summed(softmax, {4, 8});
  EXPECT_NEAR(summed.loss(batch).item(),
              softmax->loss(batch.prefix(4)).item() + softmax->loss(batch).item(), 1e-5);
  EXPECT_THROW(MatryoshkaObjective(softmax, {8, 4}), Error);
  EXPECT_THROW(MatryoshkaObjective(softmax, {4, 8}, {1.0f}), Error);
  MatryoshkaObjective too_long(softmax, {4, 16});
  EXPECT_THROW((void)too_long.loss(batch), Error);
}

TEST(InfoNce, LearnedScaleIsAParameterKeptInRange) {
  InfoNce fixed(InfoNceOptions{8.0f, false, false});
  EXPECT_TRUE(fixed.parameters().empty());
  EXPECT_EQ(fixed.report().at("scale"), 8.0);
  InfoNce learned(InfoNceOptions{8.0f, true, false});
  ASSERT_EQ(learned.parameters().size(), 1u);
  EXPECT_NEAR(learned.scale(), 8.0f, 1e-5);
  learned.parameters()[0]->value.data()[0] = 10.0f;  // e^10: far above 100
  learned.after_update();
  EXPECT_NEAR(learned.scale(), 100.0f, 1e-3);
  EXPECT_THROW(InfoNce(InfoNceOptions{500.0f, true, false}), Error);
  EXPECT_THROW(InfoNce(InfoNceOptions{0.0f, false, false}), Error);
}

}  // namespace
}  // namespace tessera
