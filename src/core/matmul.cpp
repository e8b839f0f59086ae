#include "tessera/core/matmul.h"

#include <cblas.h>

#include <algorithm>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

struct GemmShape {
  int64_t m, n, k;
};

GemmShape check_shapes(const Tensor& a, const Tensor& b, const Tensor& c, bool ta, bool tb) {
  TESSERA_CHECK(a.ndim() == 2 && b.ndim() == 2 && c.ndim() == 2,
                "matmul needs 2-d tensors, got {} x {} -> {}", a.shape_string(), b.shape_string(),
                c.shape_string());
  const int64_t m = ta ? a.dim(1) : a.dim(0);
  const int64_t k = ta ? a.dim(0) : a.dim(1);
  const int64_t kb = tb ? b.dim(1) : b.dim(0);
  const int64_t n = tb ? b.dim(0) : b.dim(1);
  TESSERA_CHECK(k == kb, "matmul inner dimensions differ: op(A) is {}x{}, op(B) is {}x{}", m, k, kb,
                n);
  TESSERA_CHECK(c.dim(0) == m && c.dim(1) == n, "matmul output is {}, expected [{}, {}]",
                c.shape_string(), m, n);
  return {m, n, k};
}

// Below this many multiply-adds one thread is faster than waking the pool.
constexpr int64_t kParallelFlops = 1 << 21;
// The parts of a split start at multiples of this many rows. OpenBLAS computes C in micro-tiles
// of GEMM_UNROLL_M rows (16 on AVX-512, 24 on AVX2 Zen and Haswell, ...) and the last rows of a
// call with a smaller kernel whose sums round differently: parts aligned to a multiple of every
// such tile height give each row the kernel a single call gives it, so the result does not depend
// on the thread count (measured: a split of 301 rows at 144 reproduces one call on Zen, at 150
// does not).
constexpr int64_t kRowAlignment = 96;

}  // namespace

void matmul(const Tensor& a, const Tensor& b, Tensor& c, bool transpose_a, bool transpose_b,
            float alpha, float beta) {
  const GemmShape s = check_shapes(a, b, c, transpose_a, transpose_b);
  if (s.m == 0 || s.n == 0) return;
  const auto ta = transpose_a ? CblasTrans : CblasNoTrans;
  const auto tb = transpose_b ? CblasTrans : CblasNoTrans;
  auto gemm_rows = [&](int64_t begin, int64_t end) {
    // Rows [begin, end) of C come from rows of op(A): rows of A, or columns of A when transposed.
    const float* a_part = transpose_a ? a.data() + begin : a.row(begin);
    cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(end - begin), static_cast<int>(s.n),
                static_cast<int>(s.k), alpha, a_part, static_cast<int>(a.ld()), b.data(),
                static_cast<int>(b.ld()), beta, c.row(begin), static_cast<int>(c.ld()));
  };
  if (s.m * s.n * s.k < kParallelFlops || num_threads() == 1 || in_parallel_region()) {
    gemm_rows(0, s.m);
    return;
  }
  const int64_t parts = (s.m + kRowAlignment - 1) / kRowAlignment;
  parallel_for(
      parts,
      [&](int64_t begin, int64_t end, int) {
        gemm_rows(begin * kRowAlignment, std::min(s.m, end * kRowAlignment));
      },
      1);
}

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  const int64_t m = transpose_a ? a.dim(1) : a.dim(0);
  const int64_t n = transpose_b ? b.dim(0) : b.dim(1);
  Tensor c = Tensor::empty({m, n});
  matmul(a, b, c, transpose_a, transpose_b, 1.0f, 0.0f);
  return c;
}

void matmul_naive(const Tensor& a, const Tensor& b, Tensor& c, bool transpose_a, bool transpose_b,
                  float alpha, float beta) {
  const GemmShape s = check_shapes(a, b, c, transpose_a, transpose_b);
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < s.k; ++p) {
        const double x = transpose_a ? a.row(p)[i] : a.row(i)[p];
        const double y = transpose_b ? b.row(j)[p] : b.row(p)[j];
        acc += x * y;
      }
      const double prior = beta == 0.0f ? 0.0 : static_cast<double>(beta) * c.row(i)[j];
      c.row(i)[j] = static_cast<float>(alpha * acc + prior);
    }
  }
}

}  // namespace tessera
