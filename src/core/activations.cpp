#include <cmath>

#include "tessera/core/check.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {
constexpr int64_t kMinRowsPerChunk = 64;
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

void check_same(const Tensor& a, const Tensor& b, const char* what) {
  TESSERA_CHECK(a.same_shape(b), "{}: shapes {} and {} differ", what, a.shape_string(),
                b.shape_string());
}

template <typename Fn>
void for_rows(const Tensor& x, Fn&& fn) {
  parallel_for(
      x.rows(),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) fn(r);
      },
      kMinRowsPerChunk);
}
}  // namespace

void activation_forward(Activation f, const Tensor& x, Tensor& y) {
  check_same(x, y, "activation");
  const int64_t n = x.cols();
  for_rows(x, [&](int64_t r) {
    const float* in = x.row(r);
    float* out = y.row(r);
    switch (f) {
      case Activation::kRelu:
        for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
        break;
      case Activation::kGelu:  // exact GELU: x * Phi(x)
        for (int64_t i = 0; i < n; ++i)
          out[i] = 0.5f * in[i] * (1.0f + std::erf(in[i] * kInvSqrt2));
        break;
      case Activation::kTanh:
        for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
        break;
      case Activation::kSigmoid:
        for (int64_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + std::exp(-in[i]));
        break;
      case Activation::kExp:
        for (int64_t i = 0; i < n; ++i) out[i] = std::exp(in[i]);
        break;
    }
  });
}

void activation_backward(Activation f, const Tensor& x, const Tensor& y, const Tensor& dy,
                         Tensor& dx) {
  check_same(x, dy, "activation backward");
  check_same(x, dx, "activation backward");
  const int64_t n = x.cols();
  for_rows(x, [&](int64_t r) {
    const float* in = x.row(r);
    const float* out = y.row(r);
    const float* g = dy.row(r);
    float* d = dx.row(r);
    switch (f) {
      case Activation::kRelu:
        for (int64_t i = 0; i < n; ++i) d[i] += in[i] > 0.0f ? g[i] : 0.0f;
        break;
      case Activation::kGelu:
        for (int64_t i = 0; i < n; ++i) {
          const float cdf = 0.5f * (1.0f + std::erf(in[i] * kInvSqrt2));
          const float pdf = kInvSqrt2Pi * std::exp(-0.5f * in[i] * in[i]);
          d[i] += g[i] * (cdf + in[i] * pdf);
        }
        break;
      case Activation::kTanh:
        for (int64_t i = 0; i < n; ++i) d[i] += g[i] * (1.0f - out[i] * out[i]);
        break;
      case Activation::kSigmoid:
        for (int64_t i = 0; i < n; ++i) d[i] += g[i] * out[i] * (1.0f - out[i]);
        break;
      case Activation::kExp:
        for (int64_t i = 0; i < n; ++i) d[i] += g[i] * out[i];
        break;
    }
  });
}

}  // namespace tessera
