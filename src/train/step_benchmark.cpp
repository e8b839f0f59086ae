#include "tessera/train/step_benchmark.h"

#include <algorithm>
#include <random>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/core/stopwatch.h"
#include "tessera/train/infonce.h"
#include "tessera/train/matryoshka_objective.h"
#include "tessera/train/training_step.h"

namespace tessera {

namespace {

// `batch` (query, document) examples of bag_len uniform ids each.
std::vector<Example> random_batch(const StepBenchmarkOptions& o, std::mt19937_64& rng) {
  std::uniform_int_distribution<int32_t> id(0, static_cast<int32_t>(o.vocab - 1));
  auto bag = [&] {
    Features f;
    f.ids.resize(static_cast<size_t>(o.bag_len));
    for (auto& x : f.ids) x = id(rng);
    return f;
  };
  std::vector<Example> batch(static_cast<size_t>(o.batch));
  for (Example& ex : batch) ex.anchor = bag();
  for (Example& ex : batch) ex.positives.assign(1, bag());
  return batch;
}

}  // namespace

StepBenchmarkResult run_step_benchmark(const StepBenchmarkOptions& o) {
  TESSERA_CHECK(o.vocab > 0 && o.vocab <= INT32_MAX, "vocab must be in [1, 2^31), got {}", o.vocab);
  TESSERA_CHECK(o.dim > 0 && o.dim <= kMaxModelDim && o.batch > 1 && o.bag_len > 0 && o.steps > 0 &&
                    o.warmup_steps >= 0,
                "need 0 < dim <= {}, batch > 1, bag-len > 0, steps > 0, warmup >= 0", kMaxModelDim);
  for (size_t k = 0; k < o.mrl_dims.size(); ++k) {  // checked before the table is allocated
    TESSERA_CHECK(o.mrl_dims[k] > 0 && o.mrl_dims[k] <= o.dim &&
                      (k == 0 || o.mrl_dims[k] > o.mrl_dims[k - 1]),
                  "Matryoshka prefixes must ascend within (0, {}], got {}", o.dim, o.mrl_dims[k]);
  }
  // One shared table of `vocab` rows (hashed features alone), mean pooling: the peer's model.
  FeaturizerConfig config;
  config.buckets = o.vocab;
  ModelOptions model_options;
  model_options.dim = o.dim;
  model_options.prefixes = {o.dim};
  model_options.init_std = o.init_std;
  model_options.seed = o.seed;
  Model model = Model::create(config, Vocabulary(), model_options);
  InfoNceOptions loss;
  loss.scale = o.scale;
  TrainingTask task;
  task.objective = std::make_shared<MatryoshkaObjective>(
      std::make_shared<InfoNce>(loss),
      o.mrl_dims.empty() ? std::vector<int64_t>{o.dim} : o.mrl_dims);
  StepOptions step_options;
  step_options.sparse_optimizer = o.optimizer;
  TrainingStep step(model, task, step_options);

  // Batches are drawn before timing, as the peer does.
  std::mt19937_64 rng(o.seed + 1);
  std::vector<std::vector<Example>> batches;
  batches.reserve(static_cast<size_t>(o.warmup_steps) + static_cast<size_t>(o.steps));
  for (int s = 0; s < o.warmup_steps + o.steps; ++s) batches.push_back(random_batch(o, rng));

  StepBenchmarkResult result;
  result.threads = num_threads();
  std::vector<double> step_ms;
  double forward = 0, backward = 0, update = 0, rows_touched = 0;
  Random random(o.seed);
  for (int s = 0; s < o.warmup_steps + o.steps; ++s) {
    const Stopwatch watch;
    const StepResult r = step.run(batches[static_cast<size_t>(s)], o.lr, random);
    const double total = watch.milliseconds();
    if (s == 0) result.first_loss = r.loss;
    result.last_loss = r.loss;
    if (s < o.warmup_steps) continue;
    step_ms.push_back(total);
    forward += r.forward_ms;
    backward += r.backward_ms;
    update += r.update_ms;
    rows_touched += static_cast<double>(r.rows_touched);
  }
  const double n = static_cast<double>(step_ms.size());
  result.steps = o.steps;
  double total = 0;
  for (double t : step_ms) total += t;
  result.ms_mean = total / n;
  std::sort(step_ms.begin(), step_ms.end());
  result.ms_median = step_ms[step_ms.size() / 2];
  result.ms_min = step_ms.front();
  result.forward_ms = forward / n;
  result.backward_ms = backward / n;
  result.optimizer_ms = update / n;
  result.rows_touched_per_step = rows_touched / n;
  result.pairs_per_s = static_cast<double>(o.batch) / (result.ms_mean / 1000.0);
  return result;
}

}  // namespace tessera
