// The evaluation a training run reports after every epoch, from the dev data its TrainingData
// held out (training_data.h):
//   held-out BEIR queries   nDCG@10 against the whole corpus (retrieval_benchmark.h): flat search
//                           at every Matryoshka prefix, and binary codes + rescoring
//   held-out pairs          accuracy@1 among all their positives (pair_accuracy.h), per prefix
// Metric names: "<method> nDCG@10" ("flat@256 nDCG@10") and "pairs accuracy@1 dim <d>".
#pragma once

#include "tessera/train/trainer.h"
#include "tessera/train/training_data.h"

namespace tessera {

// The hook for Trainer::on_epoch_end; empty (no function) when the data holds nothing out. The
// data must outlive the hook.
Trainer::EvaluateFn dev_evaluation(const TrainingData& data);

}  // namespace tessera
