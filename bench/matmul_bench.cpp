// tessera::matmul against cblas_sgemm called directly, on the same shapes and thread counts.
//
// tessera keeps OpenBLAS at one thread and splits a large product by rows of C across its own
// pool; the baseline lets OpenBLAS thread itself (openblas_set_num_threads). The FLOP/s counter
// (2 * M * N * K per product) reads as a ratio between the two rows of one shape and thread count.
// Args: M, N, K, threads.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdint>
#include <random>

#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"
#include "tessera/core/tensor.h"

namespace {

tessera::Tensor random_tensor(int64_t rows, int64_t cols, uint32_t seed) {
  tessera::Tensor t = tessera::Tensor::empty({rows, cols});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = t.row(r);
    for (int64_t c = 0; c < cols; ++c) row[c] = uniform(rng);
  }
  return t;
}

void set_flop_rate(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  state.counters["FLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(m * n * k) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

void BM_TesseraMatmul(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  tessera::set_num_threads(static_cast<int>(state.range(3)));  // also pins OpenBLAS to 1 thread
  const tessera::Tensor a = random_tensor(m, k, 1);
  const tessera::Tensor b = random_tensor(k, n, 2);
  tessera::Tensor c = tessera::Tensor::empty({m, n});
  for (auto _ : state) {
    tessera::matmul(a, b, c);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_flop_rate(state, m, n, k);
}

void BM_OpenBlasSgemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  // tessera's pool is shrunk to the calling thread so its workers take no CPU; OpenBLAS gets
  // the thread count instead (after the pool, whose creation sets OpenBLAS to 1 thread).
  tessera::set_num_threads(1);
  openblas_set_num_threads(static_cast<int>(state.range(3)));
  const tessera::Tensor a = random_tensor(m, k, 1);
  const tessera::Tensor b = random_tensor(k, n, 2);
  tessera::Tensor c = tessera::Tensor::empty({m, n});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(k), 1.0f, a.data(), static_cast<int>(k), b.data(),
                static_cast<int>(n), 0.0f, c.data(), static_cast<int>(n));
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  openblas_set_num_threads(1);  // back to tessera's setting for whatever runs next
  set_flop_rate(state, m, n, k);
}

void shapes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"M", "N", "K", "threads"});
  const int64_t mnk[][3] = {
      {256, 256, 256}, {1024, 1024, 256}, {4096, 256, 256}, {1024, 1024, 1024}};
  for (const auto& s : mnk) {
    for (int64_t threads : {1, 2}) bench->Args({s[0], s[1], s[2], threads});
  }
  bench->Unit(benchmark::kMicrosecond);
  bench->UseRealTime();  // CPU time of the calling thread alone would flatter the 2-thread runs
}

BENCHMARK(BM_TesseraMatmul)->Apply(shapes);
BENCHMARK(BM_OpenBlasSgemm)->Apply(shapes);

}  // namespace
