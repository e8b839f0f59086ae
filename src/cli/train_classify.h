// `tessera train --task classify`: the options only a classifier has, and the run, which takes
// the options `train` shares with retrieval (featurizer, model, schedule) from TrainArgs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "tessera/train/classification_training.h"
#include "train_run.h"

namespace tessera::cli {

struct ClassifyArgs {
  LabeledInputOptions input;  // --input and how to read it; --valid is read the same way
  std::string valid;
  std::string label_text;  // label<TAB>description: a label tower of texts
  ClassifierHead head;
  int64_t negatives = 5;
  bool end_word = true;  // --end-word / --no-end-word
  std::string autotune_validation;
  double autotune_seconds = 300;
};

void add_classify_options(CLI::App& cmd, ClassifyArgs& c);
// Trains a classifier; the shared options the user did not give on cmd take classification's
// defaults. Options of retrieval's data (--beir, --pairs, --corpus) are usage errors.
void run_train_classify(const CLI::App& cmd, TrainArgs& a, ClassifyArgs& c);

}  // namespace tessera::cli
