// Embedding-bag throughput on a training-sized batch: a 200000 x 256 table, 512 bags of 40
// uniformly drawn ids, mean pooling. "rows/s" counts table rows gathered (forward) or given a
// gradient contribution (backward) per second of wall time.
//
// embedding_bag_backward leaves the per-row sums pending in the SparseRowGrad (they are formed
// when an optimizer reads them), so the backward benchmarks also walk every touched row through
// for_each_row with a plain SGD update: that is where the gradient arithmetic happens.
// Args: threads.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tessera/core/embedding_bag.h"
#include "tessera/core/parallel.h"
#include "tessera/core/sparse_row_grad.h"
#include "tessera/core/tensor.h"

namespace {

constexpr int64_t kTableRows = 200000;
constexpr int64_t kDim = 256;
constexpr int64_t kBags = 512;
constexpr int64_t kBagLen = 40;

struct Setup {
  tessera::Tensor table;
  tessera::Bags bags;
  tessera::Tensor out;
  tessera::Tensor dout;
};

Setup make_setup() {
  Setup s;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-0.1f, 0.1f);
  s.table = tessera::Tensor::empty({kTableRows, kDim});
  for (int64_t r = 0; r < kTableRows; ++r) {
    float* row = s.table.row(r);
    for (int64_t c = 0; c < kDim; ++c) row[c] = uniform(rng);
  }
  std::uniform_int_distribution<int32_t> row_id(0, static_cast<int32_t>(kTableRows - 1));
  std::vector<int32_t> ids(kBagLen);
  for (int64_t b = 0; b < kBags; ++b) {
    for (auto& id : ids) id = row_id(rng);
    s.bags.add(ids);
  }
  s.out = tessera::Tensor::empty({kBags, kDim});
  s.dout = tessera::Tensor::empty({kBags, kDim});
  for (int64_t r = 0; r < kBags; ++r) {
    float* row = s.dout.row(r);
    for (int64_t c = 0; c < kDim; ++c) row[c] = uniform(rng);
  }
  return s;
}

Setup& setup() {
  static Setup s = make_setup();
  return s;
}

void set_rows_rate(benchmark::State& state, int64_t rows_per_iteration) {
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(rows_per_iteration) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

void sgd_update(tessera::SparseRowGrad& grad, tessera::Tensor& table, float lr) {
  grad.for_each_row([&](int64_t, int32_t row, float* g) {
    float* w = table.row(row);
    for (int64_t c = 0; c < kDim; ++c) w[c] -= lr * g[c];
  });
}

void BM_EmbeddingBagForward(benchmark::State& state) {
  tessera::set_num_threads(static_cast<int>(state.range(0)));
  Setup& s = setup();
  for (auto _ : state) {
    tessera::embedding_bag_forward(s.table, s.bags, tessera::Pooling::kMean, s.out);
    benchmark::DoNotOptimize(s.out.data());
    benchmark::ClobberMemory();
  }
  set_rows_rate(state, kBags * kBagLen);
}

void BM_EmbeddingBagBackward(benchmark::State& state) {
  tessera::set_num_threads(static_cast<int>(state.range(0)));
  Setup& s = setup();
  tessera::SparseRowGrad grad;
  grad.reset(kTableRows, kDim);
  for (auto _ : state) {
    grad.clear();
    tessera::embedding_bag_backward(s.bags, tessera::Pooling::kMean, s.dout, grad);
    sgd_update(grad, s.table, 1e-6f);
    benchmark::ClobberMemory();
  }
  set_rows_rate(state, kBags * kBagLen);
}

void BM_EmbeddingBagForwardBackward(benchmark::State& state) {
  tessera::set_num_threads(static_cast<int>(state.range(0)));
  Setup& s = setup();
  tessera::SparseRowGrad grad;
  grad.reset(kTableRows, kDim);
  for (auto _ : state) {
    tessera::embedding_bag_forward(s.table, s.bags, tessera::Pooling::kMean, s.out);
    grad.clear();
    tessera::embedding_bag_backward(s.bags, tessera::Pooling::kMean, s.dout, grad);
    sgd_update(grad, s.table, 1e-6f);
    benchmark::DoNotOptimize(s.out.data());
    benchmark::ClobberMemory();
  }
  // Each id's row is read once forward and receives one gradient contribution backward.
  set_rows_rate(state, kBags * kBagLen);
}

void thread_counts(benchmark::internal::Benchmark* bench) {
  bench->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(BM_EmbeddingBagForward)->Apply(thread_counts);
BENCHMARK(BM_EmbeddingBagBackward)->Apply(thread_counts);
BENCHMARK(BM_EmbeddingBagForwardBackward)->Apply(thread_counts);

}  // namespace
