// Loss functions: cross-entropy with logits, mean squared error, cosine loss.
#include <algorithm>
#include <cmath>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

// softmax(x) into p (classes values), and the log-sum-exp of x: -log p_t is lse - x[t], without
// the log of a probability that may underflow.
double softmax_row(const float* x, float* p, int64_t classes) {
  float max = x[0];
  for (int64_t i = 1; i < classes; ++i) max = std::max(max, x[i]);
  const float total = kernels::exp_sum(x, max, 1.0f, p, classes);
  kernels::scale(1.0f / total, p, classes);
  return static_cast<double>(max) + std::log(static_cast<double>(total));
}

}  // namespace

float cross_entropy_forward(const Tensor& logits, std::span<const int32_t> targets,
                            Tensor& probs_out) {
  TESSERA_CHECK(logits.ndim() == 2, "cross_entropy needs 2-d logits, got {}",
                logits.shape_string());
  const int64_t batch = logits.dim(0);
  const int64_t classes = logits.dim(1);
  TESSERA_CHECK(static_cast<int64_t>(targets.size()) == batch,
                "cross_entropy: {} targets for {} rows of logits", targets.size(), batch);
  TESSERA_CHECK(batch > 0, "cross_entropy over an empty batch");
  for (int64_t r = 0; r < batch; ++r) {
    TESSERA_CHECK(targets[r] >= 0 && targets[r] < classes,
                  "cross_entropy: target {} of row {} outside [0, {})", targets[r], r, classes);
  }
  TESSERA_CHECK(probs_out.same_shape(logits), "cross_entropy: probs buffer {} for logits {}",
                probs_out.shape_string(), logits.shape_string());
  // One pass per row; row losses are summed serially, in order.
  std::vector<double> row_loss(static_cast<size_t>(batch));
  parallel_for(
      batch,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          const float* x = logits.row(r);
          row_loss[static_cast<size_t>(r)] =
              softmax_row(x, probs_out.row(r), classes) - x[targets[r]];
        }
      },
      16);
  double total = 0.0;
  for (double l : row_loss) total += l;
  return static_cast<float>(total / static_cast<double>(batch));
}

void cross_entropy_backward(const Tensor& probs, std::span<const int32_t> targets, float dloss,
                            Tensor& dlogits) {
  TESSERA_CHECK(probs.same_shape(dlogits), "cross_entropy backward: shapes {} and {} differ",
                probs.shape_string(), dlogits.shape_string());
  const int64_t batch = probs.dim(0);
  const float coef = dloss / static_cast<float>(batch);
  parallel_for(
      batch,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          kernels::axpy(coef, probs.row(r), dlogits.row(r), probs.cols());
          dlogits.row(r)[targets[r]] -= coef;
        }
      },
      32);
}

void RowTargets::add(std::span<const int64_t> row_targets) {
  targets.insert(targets.end(), row_targets.begin(), row_targets.end());
  offsets.push_back(static_cast<int64_t>(targets.size()));
}

namespace {

void check_row_targets(const Tensor& logits, const RowTargets& t, const char* loss) {
  TESSERA_CHECK(logits.ndim() == 2 && logits.dim(0) > 0,
                "{} needs 2-d logits of at least one row, got {}", loss, logits.shape_string());
  const int64_t rows = logits.dim(0), classes = logits.dim(1);
  TESSERA_CHECK(t.rows() == rows && t.offsets.front() == 0 &&
                    t.offsets.back() == static_cast<int64_t>(t.targets.size()),
                "{}: targets of {} rows for {} rows of logits", loss, t.rows(), rows);
  TESSERA_CHECK(t.weights.empty() || static_cast<int64_t>(t.weights.size()) == rows,
                "{}: {} weights for {} rows", loss, t.weights.size(), rows);
  for (int64_t r = 0; r < rows; ++r) {
    TESSERA_CHECK(t.offsets[r + 1] > t.offsets[r], "{}: row {} has no target", loss, r);
    for (int64_t j = t.offsets[r]; j < t.offsets[r + 1]; ++j) {
      TESSERA_CHECK(t.targets[j] >= 0 && t.targets[j] < classes,
                    "{}: target {} of row {} outside [0, {})", loss, t.targets[j], r, classes);
    }
  }
}

float row_weight(const RowTargets& t, int64_t r) {
  return t.weights.empty() ? 1.0f : t.weights[static_cast<size_t>(r)];
}

}  // namespace

float multi_target_cross_entropy_forward(const Tensor& logits, const RowTargets& targets,
                                         Tensor& probs_out) {
  check_row_targets(logits, targets, "multi-target cross-entropy");
  TESSERA_CHECK(probs_out.same_shape(logits),
                "multi-target cross-entropy: probs buffer {} for logits {}",
                probs_out.shape_string(), logits.shape_string());
  const int64_t rows = logits.dim(0), classes = logits.dim(1);
  std::vector<double> row_loss(static_cast<size_t>(rows));
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          const float* x = logits.row(r);
          const double lse = softmax_row(x, probs_out.row(r), classes);
          double target_mean = 0.0;
          const int64_t first = targets.offsets[r], last = targets.offsets[r + 1];
          for (int64_t j = first; j < last; ++j) target_mean += x[targets.targets[j]];
          target_mean /= static_cast<double>(last - first);
          row_loss[static_cast<size_t>(r)] = row_weight(targets, r) * (lse - target_mean);
        }
      },
      16);
  double total = 0.0;
  for (double l : row_loss) total += l;
  return static_cast<float>(total / static_cast<double>(rows));
}

void multi_target_cross_entropy_backward(const Tensor& probs, const RowTargets& targets,
                                         float dloss, Tensor& dlogits) {
  TESSERA_CHECK(probs.same_shape(dlogits),
                "multi-target cross-entropy backward: shapes {} and {} differ",
                probs.shape_string(), dlogits.shape_string());
  const int64_t rows = probs.dim(0);
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          const float coef = dloss * row_weight(targets, r) / static_cast<float>(rows);
          kernels::axpy(coef, probs.row(r), dlogits.row(r), probs.cols());
          const int64_t first = targets.offsets[r], last = targets.offsets[r + 1];
          const float share = coef / static_cast<float>(last - first);
          for (int64_t j = first; j < last; ++j) dlogits.row(r)[targets.targets[j]] -= share;
        }
      },
      32);
}

float multi_target_logistic_forward(const Tensor& logits, const RowTargets& targets,
                                    Tensor& probs_out) {
  check_row_targets(logits, targets, "multi-target logistic loss");
  TESSERA_CHECK(probs_out.same_shape(logits),
                "multi-target logistic loss: probs buffer {} for logits {}",
                probs_out.shape_string(), logits.shape_string());
  const int64_t rows = logits.dim(0), classes = logits.dim(1);
  std::vector<double> row_loss(static_cast<size_t>(rows));
  // softplus(x) = log(1 + e^x), computed without overflow.
  const auto softplus = [](double x) {
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  };
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          const float* x = logits.row(r);
          float* p = probs_out.row(r);
          double loss = 0.0;
          for (int64_t c = 0; c < classes; ++c) {
            loss += softplus(x[c]);  // every class as a negative first
            p[c] = 1.0f / (1.0f + std::exp(-x[c]));
          }
          // A positive's loss is softplus(-x) = softplus(x) - x.
          for (int64_t j = targets.offsets[r]; j < targets.offsets[r + 1]; ++j) {
            loss -= x[targets.targets[j]];
          }
          row_loss[static_cast<size_t>(r)] = row_weight(targets, r) * loss;
        }
      },
      16);
  double total = 0.0;
  for (double l : row_loss) total += l;
  return static_cast<float>(total / static_cast<double>(rows));
}

void multi_target_logistic_backward(const Tensor& probs, const RowTargets& targets, float dloss,
                                    Tensor& dlogits) {
  TESSERA_CHECK(probs.same_shape(dlogits),
                "multi-target logistic backward: shapes {} and {} differ", probs.shape_string(),
                dlogits.shape_string());
  const int64_t rows = probs.dim(0);
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) {
          const float coef = dloss * row_weight(targets, r) / static_cast<float>(rows);
          kernels::axpy(coef, probs.row(r), dlogits.row(r), probs.cols());
          for (int64_t j = targets.offsets[r]; j < targets.offsets[r + 1]; ++j) {
            dlogits.row(r)[targets.targets[j]] -= coef;
          }
        }
      },
      32);
}

float mse_forward(const Tensor& a, const Tensor& b) {
  TESSERA_CHECK(a.same_shape(b), "mse: shapes {} and {} differ", a.shape_string(),
                b.shape_string());
  TESSERA_CHECK(a.numel() > 0, "mse of empty tensors");
  double total = 0.0;
  for (int64_t r = 0; r < a.rows(); ++r) {
    for (int64_t i = 0; i < a.cols(); ++i) {
      const double d = static_cast<double>(a.row(r)[i]) - b.row(r)[i];
      total += d * d;
    }
  }
  return static_cast<float>(total / static_cast<double>(a.numel()));
}

void mse_backward(const Tensor& a, const Tensor& b, float dloss, Tensor* da, Tensor* db) {
  const float coef = 2.0f * dloss / static_cast<float>(a.numel());
  for (int64_t r = 0; r < a.rows(); ++r) {
    for (int64_t i = 0; i < a.cols(); ++i) {
      const float d = coef * (a.row(r)[i] - b.row(r)[i]);
      if (da != nullptr) da->row(r)[i] += d;
      if (db != nullptr) db->row(r)[i] -= d;
    }
  }
}

namespace {
constexpr float kCosineEps = 1e-8f;

struct RowCosine {
  float dot, norm_a, norm_b;
};

RowCosine row_cosine(const float* a, const float* b, int64_t n) {
  return {kernels::dot(a, b, n), std::max(std::sqrt(kernels::sum_squares(a, n)), kCosineEps),
          std::max(std::sqrt(kernels::sum_squares(b, n)), kCosineEps)};
}
}  // namespace

float cosine_loss_forward(const Tensor& a, const Tensor& b) {
  TESSERA_CHECK(a.same_shape(b), "cosine loss: shapes {} and {} differ", a.shape_string(),
                b.shape_string());
  TESSERA_CHECK(a.rows() > 0, "cosine loss over no rows");
  double total = 0.0;
  for (int64_t r = 0; r < a.rows(); ++r) {
    const RowCosine c = row_cosine(a.row(r), b.row(r), a.cols());
    total += 1.0 - c.dot / (c.norm_a * c.norm_b);
  }
  return static_cast<float>(total / static_cast<double>(a.rows()));
}

// d cos / da = b / (|a||b|) - cos * a / |a|^2, and symmetrically for b.
void cosine_loss_backward(const Tensor& a, const Tensor& b, float dloss, Tensor* da, Tensor* db) {
  const float coef = -dloss / static_cast<float>(a.rows());
  const int64_t n = a.cols();
  for (int64_t r = 0; r < a.rows(); ++r) {
    const RowCosine c = row_cosine(a.row(r), b.row(r), n);
    const float inv_ab = 1.0f / (c.norm_a * c.norm_b);
    const float cos = c.dot * inv_ab;
    if (da != nullptr) {
      kernels::axpy(coef * inv_ab, b.row(r), da->row(r), n);
      kernels::axpy(-coef * cos / (c.norm_a * c.norm_a), a.row(r), da->row(r), n);
    }
    if (db != nullptr) {
      kernels::axpy(coef * inv_ab, a.row(r), db->row(r), n);
      kernels::axpy(-coef * cos / (c.norm_b * c.norm_b), b.row(r), db->row(r), n);
    }
  }
}

}  // namespace tessera
