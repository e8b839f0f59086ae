// The training-step benchmark behind `tessera bench train-step`: the Trainer's own step
// (training_step.h) of a bag-of-tokens embedding model (one shared table, mean pooling) trained
// with in-batch InfoNCE summed over Matryoshka prefixes and a sparse-row optimizer, on random
// token bags. It is the same work as ../shared/bench/torch_static_mnrl.py --time-steps, so the
// two can be compared side by side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/core/optimizer.h"

namespace tessera {

struct StepBenchmarkOptions {
  int64_t vocab = 200000;
  int64_t dim = 256;
  int64_t batch = 256;
  int64_t bag_len = 40;
  std::vector<int64_t> mrl_dims = {32, 64, 128, 256};
  int steps = 50;
  int warmup_steps = 3;
  float lr = 0.01f;
  float scale = 20.0f;
  float init_std = 0.1f;
  SparseOptimizerKind optimizer = SparseOptimizerKind::kAdam;
  uint64_t seed = 0;
};

struct StepBenchmarkResult {
  int threads = 0;
  int steps = 0;
  double ms_mean = 0, ms_median = 0, ms_min = 0;
  // Mean milliseconds per step spent in each phase.
  double forward_ms = 0, backward_ms = 0, optimizer_ms = 0;
  double pairs_per_s = 0;
  double rows_touched_per_step = 0;  // distinct table rows updated per step (mean)
  float first_loss = 0, last_loss = 0;
};

StepBenchmarkResult run_step_benchmark(const StepBenchmarkOptions& options);

}  // namespace tessera
