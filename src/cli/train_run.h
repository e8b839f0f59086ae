// The options and the body of `tessera train`, shared with `tessera quickstart`, which trains
// the same way on data it prepares.
#pragma once

#include <string>

#include "featurizer_options.h"
#include "tessera/train/retrieval_training.h"

namespace tessera::cli {

struct TrainArgs {
  RetrievalTrainingOptions training;  // its featurizer comes from `featurizer`
  FeaturizerFlags featurizer;
  std::string prefixes;
  std::string prefix_weights;
  std::string ngame_double_at;
  std::string out;
  std::string checkpoint;
  std::string log;
  bool resume = false;
  int threads = 0;
  bool quiet = false;

  // Defaults chosen on a dev split of SciFact's train qrels (see the README): stemmed words
  // without stop words, documents cut at 256 tokens, symmetric loss at scale 8, 4 crops per
  // document with perturbed queries, each judged pair twice per epoch, batches of 512 at lr
  // 0.02, NGAME clusters of 8 queries doubling at epochs 4 and 7.
  TrainArgs() {
    featurizer.config.tokenizer.stem = true;
    featurizer.config.tokenizer.remove_stop_words = true;
    featurizer.config.max_tokens = 256;
    training.data.crops.pairs_per_document = 4;
    training.data.beir_weight = 2.0;
    training.loss.symmetric = true;
    training.loss.scale = 8.0f;
    training.trainer.batch_size = 512;
    training.trainer.lr.base_lr = 0.02f;
    training.data.crops.perturb.typo = 0.05;
    training.data.crops.perturb.word_drop = 0.1;
    training.data.crops.perturb.shuffle_window = 3;
    training.trainer.ngame.cluster_size = 8;
    ngame_double_at = "4,7";
  }
};

// Reads the data, counts the vocabulary, trains and writes a.out, reporting on stderr.
void run_train(TrainArgs& a);

}  // namespace tessera::cli
