#include "float_rows.h"

#include <algorithm>

#include "prefetch.h"
#include "simd_builds.h"
#include "tessera/core/kernels.h"

namespace tessera::index_detail {

namespace {

// Rows scored ahead of the one whose cache lines are loaded: enough to hide a miss to L3.
constexpr int64_t kRowsAhead = 4;

inline void prefetch_rows(const float* data, int64_t dim, const int64_t* rows, int64_t from,
                          int64_t to) {
  for (int64_t r = from; r < to; ++r) prefetch_bytes(data + rows[r] * dim, 4 * dim);
}

void rows_dot_generic(const float* query, const float* data, int64_t dim, const int64_t* rows,
                      int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    prefetch_rows(data, dim, rows, std::min(n, i + kRowsAhead), std::min(n, i + kRowsAhead + 1));
    out[i] = kernels::dot(query, data + rows[i] * dim, dim);
  }
}

[[gnu::target("avx2,fma")]] inline float sum_lanes(__m256 v) {
  const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
  return _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter)));
}

[[gnu::target("avx2,fma")]] void rows_dot_avx2(const float* query, const float* data, int64_t dim,
                                               const int64_t* rows, int64_t n, float* out) {
  const int64_t whole = dim / 8 * 8;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    prefetch_rows(data, dim, rows, std::min(n, i + kRowsAhead), std::min(n, i + kRowsAhead + 4));
    const float* r0 = data + rows[i] * dim;
    const float* r1 = data + rows[i + 1] * dim;
    const float* r2 = data + rows[i + 2] * dim;
    const float* r3 = data + rows[i + 3] * dim;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t c = 0; c < whole; c += 8) {
      const __m256 x = _mm256_loadu_ps(query + c);
      a0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r0 + c), a0);
      a1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r1 + c), a1);
      a2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r2 + c), a2);
      a3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r3 + c), a3);
    }
    float s0 = sum_lanes(a0), s1 = sum_lanes(a1), s2 = sum_lanes(a2), s3 = sum_lanes(a3);
    for (int64_t c = whole; c < dim; ++c) {
      s0 += query[c] * r0[c];
      s1 += query[c] * r1[c];
      s2 += query[c] * r2[c];
      s3 += query[c] * r3[c];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < n; ++i) {
    const float* row = data + rows[i] * dim;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t c = 0; c < whole; c += 8) {
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(query + c), _mm256_loadu_ps(row + c), acc);
    }
    float sum = sum_lanes(acc);
    for (int64_t c = whole; c < dim; ++c) sum += query[c] * row[c];
    out[i] = sum;
  }
}

// 16 dims a step, the tail by masked loads.
[[gnu::target("avx512f")]] void rows_dot_avx512(const float* query, const float* data, int64_t dim,
                                                const int64_t* rows, int64_t n, float* out) {
  const int64_t whole = dim / 16 * 16;
  const auto tail = static_cast<__mmask16>((1u << (dim - whole)) - 1);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    prefetch_rows(data, dim, rows, std::min(n, i + kRowsAhead), std::min(n, i + kRowsAhead + 4));
    const float* r0 = data + rows[i] * dim;
    const float* r1 = data + rows[i + 1] * dim;
    const float* r2 = data + rows[i + 2] * dim;
    const float* r3 = data + rows[i + 3] * dim;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t c = 0; c < whole; c += 16) {
      const __m512 x = _mm512_loadu_ps(query + c);
      a0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(r0 + c), a0);
      a1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(r1 + c), a1);
      a2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(r2 + c), a2);
      a3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(r3 + c), a3);
    }
    if (whole < dim) {
      const __m512 x = _mm512_maskz_loadu_ps(tail, query + whole);
      a0 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(tail, r0 + whole), a0);
      a1 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(tail, r1 + whole), a1);
      a2 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(tail, r2 + whole), a2);
      a3 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(tail, r3 + whole), a3);
    }
    out[i] = _mm512_reduce_add_ps(a0);
    out[i + 1] = _mm512_reduce_add_ps(a1);
    out[i + 2] = _mm512_reduce_add_ps(a2);
    out[i + 3] = _mm512_reduce_add_ps(a3);
  }
  for (; i < n; ++i) {
    const float* row = data + rows[i] * dim;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t c = 0; c < dim; c += 16) {
      const auto mask = c < whole ? static_cast<__mmask16>(0xffff) : tail;
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, query + c),
                            _mm512_maskz_loadu_ps(mask, row + c), acc);
    }
    out[i] = _mm512_reduce_add_ps(acc);
  }
}

FloatRowsDotFn choose() {
  if (avx512_allowed() && __builtin_cpu_supports("avx512f")) return rows_dot_avx512;
  if (simd_allowed() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return rows_dot_avx2;
  }
  return rows_dot_generic;
}

}  // namespace

FloatRowsDotFn float_rows_dot_kernel() {
  static const FloatRowsDotFn kChosen = choose();
  return kChosen;
}

}  // namespace tessera::index_detail
