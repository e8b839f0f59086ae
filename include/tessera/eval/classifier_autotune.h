// Autotuning of a classifier under a time budget, as fastText's -autotune-validation: trials
// train on the training file with sampled settings and are scored by P@1 on a validation set;
// the best settings win. The first trial is the given settings; each later one mutates the best
// so far (each setting with probability 1/2): learning rate (x e^N(0, 0.5^2), in [1e-4, 0.2]),
// epochs (x e^N(0, 0.4^2), in [1, 100]), dim (halved or doubled, in [8, 512]; kept when the
// prefixes are given), word n-grams (1 to 3) and buckets (halved or doubled, in [2^14, 2^22];
// texts with hashed features only), weight decay (one of 0, 0.3, 1, 3, 10) and the loss (softmax or
// ova). Trials draw from a Random stream of the seed, so a seed and a budget give the same search
// on the same machine load; no trial starts after the budget is spent, and a trial that the
// budget's end finds training stops there unscored (fastText's autotune aborts it too; a model
// cut short of its schedule says little of its settings), except the first, which always runs:
// the given settings are the fallback.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tessera/model/encoder.h"
#include "tessera/train/classification_training.h"

namespace tessera {

struct AutotuneTrial {
  int64_t number = 0;  // 1-based
  ClassificationTrainingOptions settings;
  double score = 0;      // P@1 on the validation set
  double seconds = 0;    // training and scoring
  bool stopped = false;  // cut short by the budget: not scored
};

struct AutotuneOptions {
  double seconds = 300;  // the budget: no trial starts after it
  uint64_t seed = 0;
  int64_t max_trials = 0;  // 0: as many as the budget allows
  // Applied to each mutated trial's settings: defaults that follow others (a pooling chosen by
  // the loss) are derived again. Empty: none.
  std::function<void(ClassificationTrainingOptions&)> derive;
  std::function<void(const AutotuneTrial&, const AutotuneTrial& best)> on_trial;
};

// The settings, as command-line options ("--lr 0.005 --epochs 10 ...").
std::string describe_autotuned(const ClassificationTrainingOptions& settings);

// The best trial. validation: the labeled input to score, read like base.input.
AutotuneTrial autotune_classifier(const ClassificationTrainingOptions& base,
                                  const LabeledInputOptions& validation,
                                  const AutotuneOptions& options);

}  // namespace tessera
