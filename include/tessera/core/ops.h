// Row-wise tensor ops as pure forward / backward pairs (autograd.h strings them together).
//
// Conventions: x, y are (rows x cols) of any shape the Tensor allows (rows = leading dims
// flattened); backward functions *accumulate* into dx (dx += ...), so gradients from several
// uses of a tensor add up. Every output is written whole; inputs may be prefix views.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tessera/core/tensor.h"

namespace tessera {

enum class Activation { kRelu, kGelu, kTanh, kSigmoid, kExp };

// y = f(x) elementwise.
void activation_forward(Activation f, const Tensor& x, Tensor& y);
// dx += f'(x) * dy, from x and y = f(x).
void activation_backward(Activation f, const Tensor& x, const Tensor& y, const Tensor& dy,
                         Tensor& dx);

// Softmax over each row. y, dy, dx: (rows x cols).
void softmax_forward(const Tensor& x, Tensor& y);
void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
void log_softmax_forward(const Tensor& x, Tensor& y);
void log_softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx);

// Layer norm over each row: y = (x - mean) / sqrt(var + eps) * gamma + beta, gamma and beta of
// length cols. mean_out and rstd_out (length rows) keep the statistics for backward.
void layer_norm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps,
                        Tensor& y, std::span<float> mean_out, std::span<float> rstd_out);
void layer_norm_backward(const Tensor& x, const Tensor& gamma, std::span<const float> mean,
                         std::span<const float> rstd, const Tensor& dy, Tensor* dx, Tensor* dgamma,
                         Tensor* dbeta);

// y = x / max(||x||, eps) per row; norms_out (length rows) keeps max(||x||, eps) for backward.
void l2_normalize_forward(const Tensor& x, float eps, Tensor& y, std::span<float> norms_out);
void l2_normalize_backward(const Tensor& y, std::span<const float> norms, float eps,
                           const Tensor& dy, Tensor& dx);
// The first `cols` columns of each row of x scaled to unit length, as a new contiguous tensor (a
// zero row stays zero): how a Matryoshka prefix of a model's vectors is used on its own.
Tensor l2_normalized_prefix(const Tensor& x, int64_t cols);

// Mean cross-entropy of logits (B x C) against target class indices (length B); probs_out
// (B x C) keeps softmax(logits) for backward. dlogits += dloss * (probs - onehot) / B.
float cross_entropy_forward(const Tensor& logits, std::span<const int32_t> targets,
                            Tensor& probs_out);
void cross_entropy_backward(const Tensor& probs, std::span<const int32_t> targets, float dloss,
                            Tensor& dlogits);

// The target classes of each row of a batch of logits, in CSR form: row r's targets are
// targets[offsets[r] .. offsets[r + 1]) (at least one each, distinct); weights (one per row, or
// empty for all 1) scale the rows' losses.
struct RowTargets {
  std::vector<int64_t> offsets{0};
  std::vector<int64_t> targets;
  std::vector<float> weights;

  int64_t rows() const { return static_cast<int64_t>(offsets.size()) - 1; }
  void add(std::span<const int64_t> row_targets);
};

// Cross-entropy of each row against the distribution uniform over its targets, weighted and
// averaged over rows: (1/B) sum_r w_r (log-sum-exp(logits_r) - mean_{t in T_r} logits_r[t]).
// With one target a row, this is cross_entropy_forward. probs_out (B x C) keeps the softmax.
float multi_target_cross_entropy_forward(const Tensor& logits, const RowTargets& targets,
                                         Tensor& probs_out);
// dlogits_r += dloss * w_r / B * (probs_r - uniform over T_r).
void multi_target_cross_entropy_backward(const Tensor& probs, const RowTargets& targets,
                                         float dloss, Tensor& dlogits);

// One binary logistic loss per class (one-vs-all): each row's targets are positives, every
// other class a negative; (1/B) sum_r w_r sum_c softplus(-s_rc * logits_rc), s = +1 on targets,
// -1 elsewhere. probs_out (B x C) keeps sigmoid(logits) for backward.
float multi_target_logistic_forward(const Tensor& logits, const RowTargets& targets,
                                    Tensor& probs_out);
// dlogits_r += dloss * w_r / B * (sigmoid(logits_r) - onehot(T_r)).
void multi_target_logistic_backward(const Tensor& probs, const RowTargets& targets, float dloss,
                                    Tensor& dlogits);

// Mean over all elements of (a - b)^2.
float mse_forward(const Tensor& a, const Tensor& b);
void mse_backward(const Tensor& a, const Tensor& b, float dloss, Tensor* da, Tensor* db);

// Mean over rows of 1 - cos(a_i, b_i) (cosine embedding loss with target +1).
float cosine_loss_forward(const Tensor& a, const Tensor& b);
void cosine_loss_backward(const Tensor& a, const Tensor& b, float dloss, Tensor* da, Tensor* db);

}  // namespace tessera
