#include "tessera/train/step_benchmark.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>

#include "tessera/core/autograd.h"
#include "tessera/core/check.h"
#include "tessera/core/optimizer.h"
#include "tessera/core/parallel.h"
#include "tessera/train/matryoshka_infonce.h"

namespace tessera {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Tensor normal_table(int64_t rows, int64_t dim, float std_dev, uint64_t seed) {
  Tensor t = Tensor::empty({rows, dim});
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, std_dev);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < dim; ++i) t.row(r)[i] = normal(rng);
  }
  return t;
}

// Queries then documents: 2 * batch bags of bag_len uniform ids.
Bags random_bags(const StepBenchmarkOptions& o, std::mt19937_64& rng) {
  std::uniform_int_distribution<int32_t> id(0, static_cast<int32_t>(o.vocab - 1));
  Bags bags;
  bags.ids.reserve(static_cast<size_t>(2 * o.batch * o.bag_len));
  std::vector<int32_t> bag(static_cast<size_t>(o.bag_len));
  for (int64_t b = 0; b < 2 * o.batch; ++b) {
    for (auto& x : bag) x = id(rng);
    bags.add(bag);
  }
  return bags;
}

}  // namespace

StepBenchmarkResult run_step_benchmark(const StepBenchmarkOptions& o) {
  TESSERA_CHECK(o.vocab > 0 && o.vocab <= INT32_MAX, "vocab must be in [1, 2^31), got {}", o.vocab);
  TESSERA_CHECK(o.dim > 0 && o.batch > 1 && o.bag_len > 0 && o.steps > 0 && o.warmup_steps >= 0,
                "need dim > 0, batch > 1, bag-len > 0, steps > 0, warmup >= 0");
  for (size_t k = 0; k < o.mrl_dims.size(); ++k) {  // checked before the table is allocated
    TESSERA_CHECK(o.mrl_dims[k] > 0 && o.mrl_dims[k] <= o.dim &&
                      (k == 0 || o.mrl_dims[k] > o.mrl_dims[k - 1]),
                  "Matryoshka prefixes must ascend within (0, {}], got {}", o.dim, o.mrl_dims[k]);
  }
  Parameter table =
      Parameter::sparse_rows("table", normal_table(o.vocab, o.dim, o.init_std, o.seed));
  std::unique_ptr<Optimizer> optimizer;
  if (o.optimizer == SparseOptimizerKind::kAdam) {
    optimizer = std::make_unique<Adam>(std::vector<Parameter*>{&table});
  } else {
    optimizer = std::make_unique<Adagrad>(std::vector<Parameter*>{&table});
  }
  MatryoshkaInfoNceOptions loss_options;
  loss_options.prefixes = o.mrl_dims;
  loss_options.scale = o.scale;

  // Batches are drawn before timing, as the peer does.
  std::mt19937_64 rng(o.seed + 1);
  std::vector<Bags> batches;
  batches.reserve(static_cast<size_t>(o.warmup_steps) + static_cast<size_t>(o.steps));
  for (int s = 0; s < o.warmup_steps + o.steps; ++s) batches.push_back(random_bags(o, rng));

  StepBenchmarkResult result;
  result.threads = num_threads();
  std::vector<double> step_ms;
  double forward = 0, backward = 0, update = 0, rows_touched = 0;
  for (int s = 0; s < o.warmup_steps + o.steps; ++s) {
    const auto t0 = Clock::now();
    Graph graph;
    const Var both =
        embedding_bag(graph, table, std::move(batches[static_cast<size_t>(s)]), Pooling::kMean);
    const Var queries = slice_rows(both, 0, o.batch);
    const Var documents = slice_rows(both, o.batch, 2 * o.batch);
    const Var loss = matryoshka_infonce(queries, documents, loss_options);
    const double t_forward = ms_since(t0);
    graph.backward(loss);
    const double t_backward = ms_since(t0);
    const int64_t touched = table.sparse_grad.size();
    optimizer->step(o.lr);
    optimizer->zero_grad();
    const double t_total = ms_since(t0);
    if (s == 0) result.first_loss = loss.item();
    result.last_loss = loss.item();
    if (s < o.warmup_steps) continue;
    step_ms.push_back(t_total);
    forward += t_forward;
    backward += t_backward - t_forward;
    update += t_total - t_backward;
    rows_touched += static_cast<double>(touched);
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
