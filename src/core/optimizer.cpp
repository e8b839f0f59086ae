#include "tessera/core/optimizer.h"

#include <cmath>
#include <initializer_list>
#include <span>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

// Rows of a big table are scattered in memory: request those of the slot `kAhead` further on
// while this one is updated (each row is a few KB, too short for the hardware prefetcher).
constexpr int64_t kAhead = 4;

void prefetch_rows(std::span<const int32_t> rows, int64_t slot,
                   std::initializer_list<const Tensor*> tables) {
  if (slot + kAhead >= static_cast<int64_t>(rows.size())) return;
  const int32_t row = rows[static_cast<size_t>(slot + kAhead)];
  for (const Tensor* t : tables) {
    const float* p = t->row(row);
    for (int64_t i = 0; i < t->cols(); i += 16) __builtin_prefetch(p + i, 1);
  }
}

// Runs fn(offset, count) over the elements of a dense parameter in cache-sized chunks.
template <typename Fn>
void for_dense_chunks(const Parameter& p, Fn&& fn) {
  constexpr int64_t kChunk = 4096;
  const int64_t n = p.value.numel();
  parallel_for((n + kChunk - 1) / kChunk,
               [&](int64_t begin, int64_t end, int) {
                 for (int64_t c = begin; c < end; ++c) {
                   const int64_t offset = c * kChunk;
                   fn(offset, std::min(kChunk, n - offset));
                 }
               },
               4);
}

}  // namespace

Optimizer::Optimizer(std::vector<Parameter*> params) : params_(std::move(params)) {
  for (const Parameter* p : params_) {
    TESSERA_CHECK(p != nullptr && p->value.defined(), "optimizer given an empty parameter");
  }
}

std::vector<Tensor> Optimizer::make_state() const {
  std::vector<Tensor> state;
  state.reserve(params_.size());
  for (const Parameter* p : params_) state.push_back(Tensor::zeros(p->value.shape()));
  return state;
}

std::vector<std::pair<std::string, Tensor*>> Optimizer::named(const std::string& role,
                                                              std::vector<Tensor>& buffers) const {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (size_t i = 0; i < buffers.size(); ++i) {
    out.emplace_back(role + "." + params_[i]->name, &buffers[i]);
  }
  return out;
}

void Optimizer::restore_steps(int64_t steps) {
  TESSERA_CHECK(steps >= 0, "optimizer step count must be >= 0, got {}", steps);
  steps_ = steps;
}

std::vector<std::pair<std::string, Tensor*>> Sgd::state() { return named("momentum", velocity_); }

std::vector<std::pair<std::string, Tensor*>> Adagrad::state() {
  return named("adagrad_sum", sum_squares_);
}

std::vector<std::pair<std::string, Tensor*>> Adam::state() {
  auto out = named("adam_m", first_moment_);
  for (auto& entry : named("adam_v", second_moment_)) out.push_back(std::move(entry));
  return out;
}

void Optimizer::step(float lr) {
  TESSERA_CHECK(std::isfinite(lr) && lr >= 0.0f, "learning rate must be finite and >= 0, got {}",
                lr);
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i];
    if (p.sparse) {
      update_sparse(i, p, lr);
    } else {
      update_dense(i, p, lr);
    }
  }
}

void Optimizer::zero_grad() {
  for (Parameter* p : params_) p->zero_grad();
}

// ---------------------------------------------------------------- SGD

Sgd::Sgd(std::vector<Parameter*> params, SgdOptions options)
    : Optimizer(std::move(params)), options_(options) {
  if (options_.momentum != 0.0f) velocity_ = make_state();
}

// g' = g + wd * w; with momentum: v = mu * v + g'; w -= lr * v (PyTorch's SGD, dampening 0).
void Sgd::update_dense(size_t i, Parameter& p, float lr) {
  for_dense_chunks(p, [&](int64_t offset, int64_t n) {
    float* w = p.value.data() + offset;
    const float* g = p.grad.data() + offset;
    float* v = velocity_.empty() ? nullptr : velocity_[i].data() + offset;
    for (int64_t j = 0; j < n; ++j) {
      float d = g[j] + options_.weight_decay * w[j];
      if (v != nullptr) {
        v[j] = options_.momentum * v[j] + d;
        d = v[j];
      }
      w[j] -= lr * d;
    }
  });
}

void Sgd::update_sparse(size_t i, Parameter& p, float lr) {
  const int64_t dim = p.value.cols();
  const auto rows = p.sparse_grad.rows();
  p.sparse_grad.for_each_row([&](int64_t slot, int32_t row, float* g) {
    prefetch_rows(rows, slot, {&p.value});
    float* w = p.value.row(row);
    if (velocity_.empty()) {
      kernels::axpy(-lr, g, w, dim);
      return;
    }
    float* v = velocity_[i].row(row);
    for (int64_t j = 0; j < dim; ++j) {
      v[j] = options_.momentum * v[j] + g[j];
      w[j] -= lr * v[j];
    }
  });
}

// ---------------------------------------------------------------- AdaGrad

Adagrad::Adagrad(std::vector<Parameter*> params, AdagradOptions options)
    : Optimizer(std::move(params)), options_(options), sum_squares_(make_state()) {
  for (Tensor& t : sum_squares_) t.fill(options_.initial_accumulator);
}

void Adagrad::update_dense(size_t i, Parameter& p, float lr) {
  const auto& k = kernels::active();
  for_dense_chunks(p, [&](int64_t offset, int64_t n) {
    k.adagrad(p.value.data() + offset, sum_squares_[i].data() + offset, p.grad.data() + offset, n,
              lr, options_.eps);
  });
}

void Adagrad::update_sparse(size_t i, Parameter& p, float lr) {
  const auto& k = kernels::active();
  const int64_t dim = p.value.cols();
  const auto rows = p.sparse_grad.rows();
  p.sparse_grad.for_each_row([&](int64_t slot, int32_t row, float* g) {
    prefetch_rows(rows, slot, {&p.value, &sum_squares_[i]});
    k.adagrad(p.value.row(row), sum_squares_[i].row(row), g, dim, lr, options_.eps);
  });
}

// ---------------------------------------------------------------- Adam / AdamW

Adam::Adam(std::vector<Parameter*> params, AdamOptions options)
    : Optimizer(std::move(params)),
      options_(options),
      first_moment_(make_state()),
      second_moment_(make_state()) {
  TESSERA_CHECK(options_.beta1 >= 0.0f && options_.beta1 < 1.0f && options_.beta2 >= 0.0f &&
                    options_.beta2 < 1.0f,
                "Adam betas must lie in [0, 1), got {} and {}", options_.beta1, options_.beta2);
}

namespace {
kernels::AdamStep adam_step(const AdamOptions& o, int64_t t, float lr) {
  kernels::AdamStep s;
  s.beta1 = o.beta1;
  s.beta2 = o.beta2;
  s.eps = o.eps;
  const double bias1 = 1.0 - std::pow(static_cast<double>(o.beta1), static_cast<double>(t));
  const double bias2 = 1.0 - std::pow(static_cast<double>(o.beta2), static_cast<double>(t));
  s.step_size = static_cast<float>(lr / bias1);
  s.inv_bias2_sqrt = static_cast<float>(1.0 / std::sqrt(bias2));
  s.decoupled_decay = o.decoupled ? lr * o.weight_decay : 0.0f;
  s.coupled_decay = o.decoupled ? 0.0f : o.weight_decay;
  return s;
}
}  // namespace

void Adam::update_dense(size_t i, Parameter& p, float lr) {
  const kernels::AdamStep s = adam_step(options_, steps_, lr);
  const auto& k = kernels::active();
  for_dense_chunks(p, [&](int64_t offset, int64_t n) {
    k.adam(p.value.data() + offset, first_moment_[i].data() + offset,
           second_moment_[i].data() + offset, p.grad.data() + offset, n, s);
  });
}

void Adam::update_sparse(size_t i, Parameter& p, float lr) {
  const kernels::AdamStep s = adam_step(options_, steps_, lr);
  const auto& k = kernels::active();
  const int64_t dim = p.value.cols();
  const auto rows = p.sparse_grad.rows();
  p.sparse_grad.for_each_row([&](int64_t slot, int32_t row, float* g) {
    prefetch_rows(rows, slot, {&p.value, &first_moment_[i], &second_moment_[i]});
    k.adam(p.value.row(row), first_moment_[i].row(row), second_moment_[i].row(row), g, dim, s);
  });
}

std::unique_ptr<Optimizer> make_sparse_optimizer(SparseOptimizerKind kind,
                                                 std::vector<Parameter*> params,
                                                 float weight_decay) {
  TESSERA_CHECK(weight_decay >= 0 && std::isfinite(weight_decay),
                "weight decay must be >= 0, got {}", weight_decay);
  if (kind == SparseOptimizerKind::kAdagrad) {
    TESSERA_CHECK(weight_decay == 0, "weight decay of the tables needs Adam, not AdaGrad");
    return std::make_unique<Adagrad>(std::move(params));
  }
  AdamOptions options;
  options.weight_decay = weight_decay;
  options.decoupled = true;
  return std::make_unique<Adam>(std::move(params), options);
}

}  // namespace tessera
