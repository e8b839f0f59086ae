// Optimizers: SGD (with momentum), AdaGrad, Adam and AdamW, each updating dense parameters
// whole and sparse-row parameters lazily (only the rows with gradient move, with their state),
// as PyTorch's SparseAdam and sparse Adagrad do. Formulas follow PyTorch's, so runs can be
// compared step for step.
//
// An optimizer is bound to its parameters at construction and owns their state (one buffer
// per role and parameter, the same shape as the value).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/enum_names.h"
#include "tessera/core/parameter.h"

namespace tessera {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Parameter*> params);
  virtual ~Optimizer() = default;

  // Applies one update from the current gradients with learning rate lr.
  void step(float lr);
  // Clears every parameter's gradient.
  void zero_grad();
  int64_t steps_taken() const { return steps_; }
  const std::vector<Parameter*>& params() const { return params_; }

  // The state buffers by name ("<role>.<parameter name>", e.g. "adam_m.query.table"), for
  // checkpoints: saving them with steps_taken() and loading them back (same shapes) through
  // these pointers, then restore_steps(), continues training exactly.
  virtual std::vector<std::pair<std::string, Tensor*>> state() { return {}; }
  void restore_steps(int64_t steps);

 protected:
  // Update one parameter (index i in params()) whose dense gradient is p.grad.
  virtual void update_dense(size_t i, Parameter& p, float lr) = 0;
  // Update the rows of a sparse parameter that have gradient.
  virtual void update_sparse(size_t i, Parameter& p, float lr) = 0;
  // Per-parameter state buffers, allocated zero, the parameter's shape.
  std::vector<Tensor> make_state() const;
  // Names `buffers` (one per parameter) as "<role>.<parameter name>" for state().
  std::vector<std::pair<std::string, Tensor*>> named(const std::string& role,
                                                     std::vector<Tensor>& buffers) const;

  std::vector<Parameter*> params_;
  int64_t steps_ = 0;  // updates applied, counting the one in progress during update_*
};

struct SgdOptions {
  float momentum = 0.0f;
  float weight_decay = 0.0f;  // L2 added to the gradient (dense parameters only)
};

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<Parameter*> params, SgdOptions options = {});
  std::vector<std::pair<std::string, Tensor*>> state() override;

 private:
  void update_dense(size_t i, Parameter& p, float lr) override;
  void update_sparse(size_t i, Parameter& p, float lr) override;
  SgdOptions options_;
  std::vector<Tensor> velocity_;
};

struct AdagradOptions {
  float eps = 1e-10f;
  float initial_accumulator = 0.0f;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Parameter*> params, AdagradOptions options = {});
  std::vector<std::pair<std::string, Tensor*>> state() override;

 private:
  void update_dense(size_t i, Parameter& p, float lr) override;
  void update_sparse(size_t i, Parameter& p, float lr) override;
  AdagradOptions options_;
  std::vector<Tensor> sum_squares_;
};

struct AdamOptions {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  bool decoupled = false;  // true: AdamW (decay applied to the weights, not the gradient)
};

// Adam / AdamW. For sparse-row parameters it is lazy (SparseAdam): the moments of a row move
// only on steps that touch it, while bias correction uses the global step count.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Parameter*> params, AdamOptions options = {});
  std::vector<std::pair<std::string, Tensor*>> state() override;

 private:
  void update_dense(size_t i, Parameter& p, float lr) override;
  void update_sparse(size_t i, Parameter& p, float lr) override;
  AdamOptions options_;
  std::vector<Tensor> first_moment_;
  std::vector<Tensor> second_moment_;
};

// The optimizers of sparse-row parameters (embedding tables).
enum class SparseOptimizerKind { kAdam, kAdagrad };
inline constexpr EnumName<SparseOptimizerKind> kSparseOptimizerNames[] = {
    {SparseOptimizerKind::kAdam, "adam"}, {SparseOptimizerKind::kAdagrad, "adagrad"}};
template <>
inline constexpr EnumNames<SparseOptimizerKind> enum_names<SparseOptimizerKind> =
    kSparseOptimizerNames;

// Adam or AdaGrad with default options over params; weight_decay (Adam only: an Error for
// AdaGrad) is decoupled, as AdamW's.
std::unique_ptr<Optimizer> make_sparse_optimizer(SparseOptimizerKind kind,
                                                 std::vector<Parameter*> params,
                                                 float weight_decay = 0.0f);

}  // namespace tessera
