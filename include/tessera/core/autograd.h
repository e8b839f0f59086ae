// Reverse-mode automatic differentiation over tessera's ops: a tape.
//
// Build the forward pass by calling the op functions below on Vars of one Graph; each call
// computes its value at once and records how to send gradients back. graph.backward(loss) walks
// the tape in reverse from a scalar loss and accumulates gradients into every Var that needs one,
// and into the Parameters the graph was built over (dense parameters into Parameter::grad, the
// embedding tables of embedding_bag into their SparseRowGrad). A Graph is built per step and
// cleared (or dropped) after the optimizer step; it is not thread-safe.
//
//   Graph g;
//   Var h = relu(add_bias(matmul(g.constant(x), g.param(w1)), g.param(b1)));
//   Var loss = cross_entropy(matmul(h, g.param(w2)), labels);
//   g.backward(loss);  // w1.grad, b1.grad, w2.grad now hold d loss / d param
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "tessera/core/embedding_bag.h"
#include "tessera/core/ops.h"
#include "tessera/core/parameter.h"
#include "tessera/core/tensor.h"

namespace tessera {

class Graph;

// A handle to one value on a Graph's tape (cheap to copy).
class Var {
 public:
  Var() = default;
  Var(Graph* graph, int id) : graph_(graph), id_(id) {}

  const Tensor& value() const;
  // The accumulated gradient after backward (undefined when none reached this Var).
  const Tensor& grad() const;
  bool requires_grad() const;
  // The value of a one-element Var.
  float item() const;

  Graph* graph() const { return graph_; }
  int id() const { return id_; }
  // False for a default-constructed Var (no value on any tape).
  bool defined() const { return graph_ != nullptr; }

 private:
  Graph* graph_ = nullptr;
  int id_ = -1;
};

class Graph {
 public:
  // Called in reverse order with the gradient of the node's output.
  using BackwardFn = std::function<void(Graph&, const Tensor& out_grad)>;

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // A value that needs no gradient (inputs, targets).
  Var constant(Tensor value);
  // A dense parameter: its gradient accumulates into p.grad (which must outlive backward).
  Var param(Parameter& p);
  // A leaf that needs a gradient but belongs to no Parameter (read it with Var::grad).
  Var leaf(Tensor value);

  // Back-propagates from a one-element loss (d loss / d loss = seed).
  void backward(const Var& loss, float seed = 1.0f);
  // Drops the tape (values and gradients); Parameters keep their gradients.
  void clear();
  int size() const { return static_cast<int>(nodes_.size()); }

  // For op implementations: records a node computed from `inputs`. reads_parameters marks an
  // op that sends gradient to parameters outside the tape (embedding tables), so it needs
  // backward even when no input does.
  Var record(Tensor value, std::span<const Var> inputs, BackwardFn backward,
             bool reads_parameters = false);
  const Tensor& value(int id) const;
  bool requires_grad(int id) const;
  // The gradient buffer of node id, created zero-filled on first use.
  Tensor& grad(int id);
  const Tensor& grad_if_any(int id) const;

 private:
  struct Node {
    Tensor value;
    Tensor grad;
    BackwardFn backward;
    bool requires_grad = false;
  };
  std::vector<Node> nodes_;
};

// ---- ops (shapes: x, a, b are (rows x cols) unless stated) ----

// op(a) (M x K) * op(b) (K x N) -> (M x N).
Var matmul(const Var& a, const Var& b, bool transpose_a = false, bool transpose_b = false);
Var add(const Var& a, const Var& b);  // same shapes
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);  // elementwise
Var scale(const Var& x, float factor);
// x (rows x cols) + bias (cols), the bias added to every row.
Var add_bias(const Var& x, const Var& bias);
Var activation(const Var& x, Activation f);
inline Var relu(const Var& x) { return activation(x, Activation::kRelu); }
inline Var gelu(const Var& x) { return activation(x, Activation::kGelu); }
inline Var tanh(const Var& x) { return activation(x, Activation::kTanh); }
inline Var sigmoid(const Var& x) { return activation(x, Activation::kSigmoid); }
// e^x elementwise (not `exp`, which would hide std::exp's overloads inside namespace tessera).
inline Var exp_of(const Var& x) { return activation(x, Activation::kExp); }
Var softmax(const Var& x);      // over each row
Var log_softmax(const Var& x);  // over each row
Var layer_norm(const Var& x, const Var& gamma, const Var& beta, float eps = 1e-5f);
Var l2_normalize(const Var& x, float eps = 1e-12f);  // each row to unit length
// The first n columns (a view: no copy); Matryoshka prefixes.
Var prefix(const Var& x, int64_t n);
// Rows [begin, end) of a 2-d x (a view: no copy).
Var slice_rows(const Var& x, int64_t begin, int64_t end);
Var sum(const Var& x);   // all elements -> [1]
Var mean(const Var& x);  // all elements -> [1]

// Pooled rows of a sparse-row Parameter table, one output row per bag: (bags x dim).
Var embedding_bag(Graph& graph, Parameter& table, Bags bags, Pooling pooling);

// Losses -> [1].
Var cross_entropy(const Var& logits, std::vector<int32_t> targets);  // mean over rows
// Each row against the distribution uniform over its targets (ops.h), weighted, mean over rows.
Var multi_target_cross_entropy(const Var& logits, RowTargets targets);
// One-vs-all binary logistic losses (ops.h), weighted, mean over rows.
Var multi_target_logistic(const Var& logits, RowTargets targets);
Var mse(const Var& a, const Var& b);
Var cosine_loss(const Var& a, const Var& b);  // mean of 1 - cos(a_i, b_i)

}  // namespace tessera
