// Vector kernels on raw float arrays: the inner loops of every op and optimizer.
//
// Two builds of the same loops exist: a baseline x86-64 one and one compiled for AVX2 + FMA; the
// best one the CPU supports is chosen once at start-up (TESSERA_SIMD=generic forces the
// baseline, for comparison and tests). Results of the two agree to rounding, not bit for bit.
#pragma once

#include <cstdint>

namespace tessera::kernels {

// Hyper-parameters of one Adam step, with the bias corrections of step t folded in:
// step_size = lr / (1 - beta1^t), inv_bias2_sqrt = 1 / sqrt(1 - beta2^t).
struct AdamStep {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float step_size = 1e-3f;
  float inv_bias2_sqrt = 1.0f;
  float decoupled_decay = 0.0f;  // AdamW: w *= (1 - lr * weight_decay) before the update
  float coupled_decay = 0.0f;    // Adam's L2: the update sees g + weight_decay * w (g unchanged)
};

struct KernelTable {
  const char* name;  // "avx2+fma" or "generic"
  float (*dot)(const float* x, const float* y, int64_t n);
  // sum_i x[i] * codes[i]: a float vector against int8 codes (x carries their scales).
  float (*dot_int8)(const float* x, const int8_t* codes, int64_t n);
  float (*sum)(const float* x, int64_t n);
  float (*sum_squares)(const float* x, int64_t n);
  void (*axpy)(float a, const float* x, float* y, int64_t n);        // y += a * x
  void (*scale_into)(float a, const float* x, float* y, int64_t n);  // y = a * x
  void (*scale)(float a, float* x, int64_t n);                       // x *= a
  // out = exp(scale * (x - shift)), returning sum(out); within 2 ulp of std::exp (softmax).
  float (*exp_sum)(const float* x, float shift, float scale, float* out, int64_t n);
  // Row kernels of the contrastive loss (see train/matryoshka_infonce.cpp):
  // out[j] = x[j] * a * b[j], returning max_j out[j].
  float (*scaled_max)(const float* x, float a, const float* b, float* out, int64_t n);
  // With d_j = coef * p[j] and t_j = d_j * c[j]: col_acc[j] += t_j; out[j] += d_j * a * b[j];
  // returns sum_j t_j.
  float (*contrastive_grad)(const float* c, const float* p, float coef, float a, const float* b,
                            float* col_acc, float* out, int64_t n);
  // w, m, v updated in place from gradient g (PyTorch Adam / AdamW semantics).
  void (*adam)(float* w, float* m, float* v, const float* g, int64_t n, const AdamStep& s);
  // acc += g^2; w -= lr * g / (sqrt(acc) + eps)  (PyTorch Adagrad semantics).
  void (*adagrad)(float* w, float* acc, const float* g, int64_t n, float lr, float eps);
};

// The table chosen for this CPU (and TESSERA_SIMD), fixed at first use.
const KernelTable& active();
// The baseline table, always available.
const KernelTable& generic();
// The AVX2 + FMA table, or nullptr when the CPU lacks AVX2 or FMA.
const KernelTable* avx2();

inline float dot(const float* x, const float* y, int64_t n) { return active().dot(x, y, n); }
inline float dot_int8(const float* x, const int8_t* codes, int64_t n) {
  return active().dot_int8(x, codes, n);
}
inline float sum(const float* x, int64_t n) { return active().sum(x, n); }
inline float sum_squares(const float* x, int64_t n) { return active().sum_squares(x, n); }
inline void axpy(float a, const float* x, float* y, int64_t n) { active().axpy(a, x, y, n); }
inline void scale_into(float a, const float* x, float* y, int64_t n) {
  active().scale_into(a, x, y, n);
}
inline void scale(float a, float* x, int64_t n) { active().scale(a, x, n); }
inline float exp_sum(const float* x, float shift, float scale, float* out, int64_t n) {
  return active().exp_sum(x, shift, scale, out, n);
}

}  // namespace tessera::kernels
