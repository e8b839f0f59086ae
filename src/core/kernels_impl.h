// The kernel loops, written once and compiled twice (kernels_generic.cpp, kernels_avx2.cpp) with
// different target flags; include only from those files, inside their own namespace.
// Reductions use `omp simd reduction` (enabled by -fopenmp-simd) so they vectorise without
// -ffast-math; the summation order is fixed per build, so results are deterministic.
#include <cmath>
#include <cstdint>

#include "tessera/core/kernels.h"

inline float dot(const float* __restrict x, const float* __restrict y, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

inline float dot_int8(const float* __restrict x, const int8_t* __restrict codes, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += x[i] * static_cast<float>(codes[i]);
  return s;
}

inline float sum(const float* __restrict x, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}

inline float sum_squares(const float* __restrict x, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += x[i] * x[i];
  return s;
}

inline void axpy(float a, const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

inline void scale_into(float a, const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a * x[i];
}

inline void scale(float a, float* __restrict x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= a;
}

inline void adam(float* __restrict w, float* __restrict m, float* __restrict v,
                 const float* __restrict g, int64_t n, const tessera::kernels::AdamStep& s) {
  const float keep = 1.0f - s.decoupled_decay;
  const float b1 = s.beta1, b2 = s.beta2, c1 = 1.0f - s.beta1, c2 = 1.0f - s.beta2;
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + s.coupled_decay * w[i];
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] * keep - s.step_size * mi / (std::sqrt(vi) * s.inv_bias2_sqrt + s.eps);
  }
}

inline void adagrad(float* __restrict w, float* __restrict acc, const float* __restrict g,
                    int64_t n, float lr, float eps) {
  for (int64_t i = 0; i < n; ++i) {
    const float a = acc[i] + g[i] * g[i];
    acc[i] = a;
    w[i] -= lr * g[i] / (std::sqrt(a) + eps);
  }
}

// exp(x) for x in the float range, within 2 ulp (Cephes expf: Cody-Waite reduction by ln 2, a
// degree-6 polynomial, the exponent set through the bits). Branch-free so that loops over it
// vectorise; inputs below -87.3 give ~1e-38 instead of 0.
inline float exp_approx(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float two_n;
  __builtin_memcpy(&two_n, &bits, sizeof two_n);
  return y * two_n;
}

inline float exp_sum(const float* __restrict x, float shift, float scale, float* __restrict out,
                     int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) {
    out[i] = exp_approx(scale * (x[i] - shift));
    s += out[i];
  }
  return s;
}

inline float scaled_max(const float* __restrict x, float a, const float* __restrict b,
                        float* __restrict out, int64_t n) {
  float m = -__builtin_inff();
#pragma omp simd reduction(max : m)
  for (int64_t i = 0; i < n; ++i) {
    out[i] = x[i] * a * b[i];
    m = out[i] > m ? out[i] : m;
  }
  return m;
}

inline float contrastive_grad(const float* __restrict c, const float* __restrict p, float coef,
                              float a, const float* __restrict b, float* __restrict col_acc,
                              float* __restrict out, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) {
    const float d = coef * p[i];
    const float t = d * c[i];
    s += t;
    col_acc[i] += t;
    out[i] += d * a * b[i];
  }
  return s;
}

inline tessera::kernels::KernelTable make_table(const char* name) {
  return {name,    dot,        dot_int8,         sum,  sum_squares, axpy, scale_into, scale,
          exp_sum, scaled_max, contrastive_grad, adam, adagrad};
}
