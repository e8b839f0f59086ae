// Softmax, log-softmax, layer norm and L2 normalization, forward and backward.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {
constexpr int64_t kMinRowsPerChunk = 32;

template <typename Fn>
void for_rows(int64_t rows, Fn&& fn) {
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) fn(r);
      },
      kMinRowsPerChunk);
}

void check_same(const Tensor& a, const Tensor& b, const char* what) {
  TESSERA_CHECK(a.same_shape(b), "{}: shapes {} and {} differ", what, a.shape_string(),
                b.shape_string());
}

// Writes exp(x - max) into out and returns the sum; rows of -inf only give a sum of 0.
float exp_shifted(const float* x, float* out, int64_t n, float* max_out) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  if (max == -std::numeric_limits<float>::infinity()) max = 0.0f;
  *max_out = max;
  return kernels::exp_sum(x, max, 1.0f, out, n);
}
}  // namespace

void softmax_forward(const Tensor& x, Tensor& y) {
  check_same(x, y, "softmax");
  const int64_t n = x.cols();
  for_rows(x.rows(), [&](int64_t r) {
    float max = 0.0f;
    const float total = exp_shifted(x.row(r), y.row(r), n, &max);
    kernels::scale(total > 0.0f ? 1.0f / total : 0.0f, y.row(r), n);
  });
}

// dx = y * (dy - <dy, y>)
void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  check_same(y, dy, "softmax backward");
  check_same(y, dx, "softmax backward");
  const int64_t n = y.cols();
  for_rows(y.rows(), [&](int64_t r) {
    const float* p = y.row(r);
    const float* g = dy.row(r);
    float* d = dx.row(r);
    const float inner = kernels::dot(g, p, n);
    for (int64_t i = 0; i < n; ++i) d[i] += p[i] * (g[i] - inner);
  });
}

void log_softmax_forward(const Tensor& x, Tensor& y) {
  check_same(x, y, "log_softmax");
  const int64_t n = x.cols();
  for_rows(x.rows(), [&](int64_t r) {
    float max = 0.0f;
    const float total = exp_shifted(x.row(r), y.row(r), n, &max);
    // (x - max) - log(total), not x - (max + log(total)): the latter rounds at the size of x.
    const float log_total = std::log(total);
    const float* in = x.row(r);
    float* out = y.row(r);
    for (int64_t i = 0; i < n; ++i) out[i] = (in[i] - max) - log_total;
  });
}

// dx = dy - softmax(x) * sum(dy), with softmax(x) = exp(y)
void log_softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  check_same(y, dy, "log_softmax backward");
  check_same(y, dx, "log_softmax backward");
  const int64_t n = y.cols();
  for_rows(y.rows(), [&](int64_t r) {
    const float* ls = y.row(r);
    const float* g = dy.row(r);
    float* d = dx.row(r);
    const float total = kernels::sum(g, n);
    for (int64_t i = 0; i < n; ++i) d[i] += g[i] - std::exp(ls[i]) * total;
  });
}

void layer_norm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps,
                        Tensor& y, std::span<float> mean_out, std::span<float> rstd_out) {
  check_same(x, y, "layer_norm");
  const int64_t n = x.cols();
  TESSERA_CHECK(gamma.numel() == n && beta.numel() == n,
                "layer_norm over {} columns needs gamma and beta of {}, got {} and {}", n, n,
                gamma.numel(), beta.numel());
  TESSERA_CHECK(static_cast<int64_t>(mean_out.size()) == x.rows() &&
                    static_cast<int64_t>(rstd_out.size()) == x.rows(),
                "layer_norm statistics need {} slots", x.rows());
  const float* g = gamma.data();
  const float* b = beta.data();
  for_rows(x.rows(), [&](int64_t r) {
    const float* in = x.row(r);
    float* out = y.row(r);
    double mean = 0.0;
    for (int64_t i = 0; i < n; ++i) mean += in[i];
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (int64_t i = 0; i < n; ++i) var += (in[i] - mean) * (in[i] - mean);
    var /= static_cast<double>(n);
    const float rstd = static_cast<float>(1.0 / std::sqrt(var + eps));
    const float m = static_cast<float>(mean);
    for (int64_t i = 0; i < n; ++i) out[i] = (in[i] - m) * rstd * g[i] + b[i];
    mean_out[r] = m;
    rstd_out[r] = rstd;
  });
}

// With xhat = (x - mean) * rstd and dxhat = dy * gamma:
// dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)); dgamma = sum_rows dy * xhat;
// dbeta = sum_rows dy.
void layer_norm_backward(const Tensor& x, const Tensor& gamma, std::span<const float> mean,
                         std::span<const float> rstd, const Tensor& dy, Tensor* dx, Tensor* dgamma,
                         Tensor* dbeta) {
  check_same(x, dy, "layer_norm backward");
  const int64_t n = x.cols();
  const float* g = gamma.data();
  if (dx != nullptr) {
    check_same(x, *dx, "layer_norm backward");
    for_rows(x.rows(), [&](int64_t r) {
      const float* in = x.row(r);
      const float* gy = dy.row(r);
      float* d = dx->row(r);
      double sum_dxhat = 0.0, sum_dxhat_xhat = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        const double xhat = (in[i] - mean[r]) * rstd[r];
        const double dxhat = gy[i] * g[i];
        sum_dxhat += dxhat;
        sum_dxhat_xhat += dxhat * xhat;
      }
      const float mean_dxhat = static_cast<float>(sum_dxhat / static_cast<double>(n));
      const float mean_dxhat_xhat = static_cast<float>(sum_dxhat_xhat / static_cast<double>(n));
      for (int64_t i = 0; i < n; ++i) {
        const float xhat = (in[i] - mean[r]) * rstd[r];
        d[i] += rstd[r] * (gy[i] * g[i] - mean_dxhat - xhat * mean_dxhat_xhat);
      }
    });
  }
  // Parameter gradients reduce over rows: done serially per column block for determinism.
  if (dgamma != nullptr || dbeta != nullptr) {
    for (int64_t r = 0; r < x.rows(); ++r) {
      const float* in = x.row(r);
      const float* gy = dy.row(r);
      for (int64_t i = 0; i < n; ++i) {
        if (dgamma != nullptr) dgamma->data()[i] += gy[i] * (in[i] - mean[r]) * rstd[r];
        if (dbeta != nullptr) dbeta->data()[i] += gy[i];
      }
    }
  }
}

void l2_normalize_forward(const Tensor& x, float eps, Tensor& y, std::span<float> norms_out) {
  check_same(x, y, "l2_normalize");
  TESSERA_CHECK(static_cast<int64_t>(norms_out.size()) == x.rows(),
                "l2_normalize needs {} norm slots", x.rows());
  const int64_t n = x.cols();
  for_rows(x.rows(), [&](int64_t r) {
    const float norm = std::max(std::sqrt(kernels::sum_squares(x.row(r), n)), eps);
    norms_out[r] = norm;
    kernels::scale_into(1.0f / norm, x.row(r), y.row(r), n);
  });
}

Tensor l2_normalized_prefix(const Tensor& x, int64_t cols) {
  TESSERA_CHECK(cols >= 1 && cols <= x.cols(), "prefix of {} columns of {}-column rows", cols,
                x.cols());
  const Tensor prefix = cols == x.cols() ? x : x.prefix_cols(cols);
  Tensor out = Tensor::empty({prefix.rows(), cols});
  std::vector<float> norms(static_cast<size_t>(prefix.rows()));
  // 1e-12 is F.normalize's clamp: a zero row (a text with no known feature) stays zero.
  l2_normalize_forward(prefix, 1e-12f, out, norms);
  return out;
}

// dx = (dy - y * <dy, y>) / norm; where the norm was clamped to eps, y = x / eps is linear in
// x and dx = dy / eps.
void l2_normalize_backward(const Tensor& y, std::span<const float> norms, float eps,
                           const Tensor& dy, Tensor& dx) {
  check_same(y, dy, "l2_normalize backward");
  check_same(y, dx, "l2_normalize backward");
  const int64_t n = y.cols();
  for_rows(y.rows(), [&](int64_t r) {
    const float* out = y.row(r);
    const float* g = dy.row(r);
    float* d = dx.row(r);
    const float inv = 1.0f / norms[r];
    if (norms[r] <= eps) {
      kernels::axpy(inv, g, d, n);
      return;
    }
    const float inner = kernels::dot(g, out, n);
    for (int64_t i = 0; i < n; ++i) d[i] += (g[i] - out[i] * inner) * inv;
  });
}

}  // namespace tessera
