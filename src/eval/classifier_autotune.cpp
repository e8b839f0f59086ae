#include "tessera/eval/classifier_autotune.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tessera/core/check.h"
#include "tessera/core/random.h"
#include "tessera/core/stopwatch.h"
#include "tessera/eval/classification_metrics.h"

namespace tessera {

namespace {

double gaussian(Random& random) {  // Box-Muller
  const double u = std::max(random.uniform(), 1e-12), v = random.uniform();
  return std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
}

ClassificationTrainingOptions mutate(const ClassificationTrainingOptions& best, bool tune_dim,
                                     bool texts, Random& random) {
  ClassificationTrainingOptions next = best;
  const auto coin = [&] { return random.uniform() < 0.5; };
  bool changed = false;
  while (!changed) {
    if (coin()) {
      next.trainer.lr.base_lr = static_cast<float>(
          std::clamp(best.trainer.lr.base_lr * std::exp(0.5 * gaussian(random)), 1e-4, 0.2));
      changed = true;
    }
    if (coin()) {
      next.trainer.epochs = std::clamp<int64_t>(
          std::llround(static_cast<double>(best.trainer.epochs) * std::exp(0.4 * gaussian(random))),
          1, 100);
      changed = true;
    }
    if (tune_dim && coin()) {
      next.model.dim =
          std::clamp<int64_t>(coin() ? best.model.dim * 2 : best.model.dim / 2, 8, 512);
      changed = true;
    }
    if (texts && coin()) {
      next.featurizer.word_ngrams = 1 + static_cast<int32_t>(random.below(3));
      changed = true;
    }
    if (texts && coin()) {
      next.featurizer.buckets = std::clamp<int64_t>(
          coin() ? best.featurizer.buckets * 2 : best.featurizer.buckets / 2, 1 << 14, 1 << 22);
      changed = true;
    }
    if (coin()) {
      constexpr float kDecays[] = {0.0f, 0.3f, 1.0f, 3.0f, 10.0f};
      next.trainer.step.sparse_weight_decay = kDecays[random.below(5)];
      changed = true;
    }
    if (coin()) {
      next.head.loss = coin() ? ClassifyLoss::kSoftmax : ClassifyLoss::kOneVsAll;
      next.trainer.ngame = {};  // NGAME batches are infonce's
      changed = true;
    }
  }
  return next;
}

}  // namespace

std::string describe_autotuned(const ClassificationTrainingOptions& s) {
  std::string out = fmt::format("--lr {:.4g} --epochs {} --dim {} --weight-decay {:g} --loss {}",
                                s.trainer.lr.base_lr, s.trainer.epochs, s.model.dim,
                                s.trainer.step.sparse_weight_decay, name_of(s.head.loss));
  if (s.input.format != LabeledFormat::kXc) {
    out += fmt::format(" --word-ngrams {} --buckets {}", s.featurizer.word_ngrams,
                       s.featurizer.buckets);
  }
  return out;
}

AutotuneTrial autotune_classifier(const ClassificationTrainingOptions& base,
                                  const LabeledInputOptions& validation,
                                  const AutotuneOptions& options) {
  TESSERA_CHECK(options.seconds > 0, "the autotune budget must be > 0 seconds, got {}",
                options.seconds);
  const Stopwatch watch;
  Random random(options.seed ^ 0x5eed'a070'7e5eULL);
  const bool tune_dim = base.model.prefixes.empty();
  // Word n-grams and buckets go together: without buckets there are no hashed n-grams to tune.
  const bool texts = base.input.format != LabeledFormat::kXc && base.featurizer.buckets > 0;
  AutotuneTrial best;
  best.score = -1;
  for (int64_t number = 1;
       number == 1 || (watch.seconds() < options.seconds &&
                       (options.max_trials == 0 || number <= options.max_trials));
       ++number) {
    AutotuneTrial trial;
    trial.number = number;
    trial.settings = number == 1 ? base : mutate(best.settings, tune_dim, texts, random);
    if (number > 1 && options.derive) options.derive(trial.settings);
    trial.settings.trainer.checkpoint_path.clear();  // trials leave nothing behind
    trial.settings.trainer.metrics_log.clear();
    const Stopwatch trial_watch;
    ClassificationTraining training(trial.settings);
    if (number > 1) {
      training.trainer().stop_when([&] { return watch.seconds() >= options.seconds; });
    }
    if (training.trainer().run().stopped) {
      trial.stopped = true;
      trial.seconds = trial_watch.seconds();
      if (options.on_trial) options.on_trial(trial, best);
      break;
    }
    const LabeledInputs v = read_labeled_inputs(validation, training.model(), training.labels());
    const Model& model = training.model();
    trial.score = precision_at_1(model, training.head(),
                                 model.tower(training.head().anchor_tower).encode(v.inputs), v.gold,
                                 model.dim(), &v.inputs.bags);
    trial.seconds = trial_watch.seconds();
    if (trial.score > best.score) best = trial;
    if (options.on_trial) options.on_trial(trial, best);
  }
  return best;
}

}  // namespace tessera
