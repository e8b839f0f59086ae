#include "tessera/core/autograd.h"

#include <cmath>
#include <memory>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/matmul.h"

namespace tessera {

// ---------------------------------------------------------------- Var and Graph

const Tensor& Var::value() const {
  TESSERA_CHECK(graph_ != nullptr, "use of an empty Var");
  return graph_->value(id_);
}

const Tensor& Var::grad() const {
  TESSERA_CHECK(graph_ != nullptr, "use of an empty Var");
  return graph_->grad_if_any(id_);
}

bool Var::requires_grad() const { return graph_ != nullptr && graph_->requires_grad(id_); }

float Var::item() const {
  const Tensor& v = value();
  TESSERA_CHECK(v.numel() == 1, "item() of a tensor of shape {}", v.shape_string());
  return v.data()[0];
}

Var Graph::constant(Tensor value) {
  nodes_.push_back({std::move(value), Tensor(), nullptr, false});
  return {this, size() - 1};
}

Var Graph::param(Parameter& p) {
  TESSERA_CHECK(!p.sparse, "parameter '{}' has sparse rows: use it through embedding_bag", p.name);
  nodes_.push_back({p.value, p.grad, nullptr, true});
  return {this, size() - 1};
}

Var Graph::leaf(Tensor value) {
  nodes_.push_back({std::move(value), Tensor(), nullptr, true});
  return {this, size() - 1};
}

Var Graph::record(Tensor value, std::span<const Var> inputs, BackwardFn backward,
                  bool reads_parameters) {
  bool needs_grad = reads_parameters;
  for (const Var& in : inputs) {
    TESSERA_CHECK(in.graph() == this, "an op mixes Vars of different graphs");
    needs_grad = needs_grad || requires_grad(in.id());
  }
  nodes_.push_back(
      {std::move(value), Tensor(), needs_grad ? std::move(backward) : nullptr, needs_grad});
  return {this, size() - 1};
}

const Tensor& Graph::value(int id) const {
  TESSERA_CHECK(id >= 0 && id < size(), "Var {} is not on this graph of {} nodes", id, size());
  return nodes_[static_cast<size_t>(id)].value;
}

bool Graph::requires_grad(int id) const {
  TESSERA_CHECK(id >= 0 && id < size(), "Var {} is not on this graph of {} nodes", id, size());
  return nodes_[static_cast<size_t>(id)].requires_grad;
}

Tensor& Graph::grad(int id) {
  Node& node = nodes_[static_cast<size_t>(id)];
  if (!node.grad.defined()) node.grad = Tensor::zeros(node.value.shape());
  return node.grad;
}

const Tensor& Graph::grad_if_any(int id) const {
  TESSERA_CHECK(id >= 0 && id < size(), "Var {} is not on this graph of {} nodes", id, size());
  return nodes_[static_cast<size_t>(id)].grad;
}

void Graph::backward(const Var& loss, float seed) {
  TESSERA_CHECK(loss.graph() == this, "backward from a Var of another graph");
  TESSERA_CHECK(loss.value().numel() == 1, "backward needs a one-element loss, got shape {}",
                loss.value().shape_string());
  TESSERA_CHECK(requires_grad(loss.id()), "the loss does not depend on anything trainable");
  grad(loss.id()).data()[0] += seed;
  for (int id = loss.id(); id >= 0; --id) {
    Node& node = nodes_[static_cast<size_t>(id)];
    if (node.backward && node.grad.defined()) node.backward(*this, node.grad);
  }
}

void Graph::clear() { nodes_.clear(); }

// ---------------------------------------------------------------- helpers

namespace {

// dst += factor * src, row by row (layouts may differ).
void accumulate(const Tensor& src, Tensor& dst, float factor = 1.0f) {
  TESSERA_CHECK(src.same_shape(dst), "gradient of shape {} for a value of shape {}",
                src.shape_string(), dst.shape_string());
  for (int64_t r = 0; r < src.rows(); ++r)
    kernels::axpy(factor, src.row(r), dst.row(r), src.cols());
}

Tensor like(const Tensor& t) { return Tensor::empty(t.shape()); }

void check_same_shape(const Var& a, const Var& b, const char* op) {
  TESSERA_CHECK(a.value().same_shape(b.value()), "{}: shapes {} and {} differ", op,
                a.value().shape_string(), b.value().shape_string());
}

Tensor scalar(float v) { return Tensor::from({1}, {v}); }

}  // namespace

// ---------------------------------------------------------------- ops

Var matmul(const Var& a, const Var& b, bool transpose_a, bool transpose_b) {
  Tensor out = matmul(a.value(), b.value(), transpose_a, transpose_b);
  const Var inputs[] = {a, b};
  const int ia = a.id(), ib = b.id();
  return a.graph()->record(std::move(out), inputs,
                           [ia, ib, transpose_a, transpose_b](Graph& g, const Tensor& dc) {
                             const Tensor& av = g.value(ia);
                             const Tensor& bv = g.value(ib);
                             if (g.requires_grad(ia)) {
                               if (!transpose_a) {  // dA = dC op(B)^T
                                 matmul(dc, bv, g.grad(ia), false, !transpose_b, 1.0f, 1.0f);
                               } else {  // dA = op(B) dC^T
                                 matmul(bv, dc, g.grad(ia), transpose_b, true, 1.0f, 1.0f);
                               }
                             }
                             if (g.requires_grad(ib)) {
                               if (!transpose_b) {  // dB = op(A)^T dC
                                 matmul(av, dc, g.grad(ib), !transpose_a, false, 1.0f, 1.0f);
                               } else {  // dB = dC^T op(A)
                                 matmul(dc, av, g.grad(ib), true, transpose_a, 1.0f, 1.0f);
                               }
                             }
                           });
}

namespace {
Var add_scaled(const Var& a, const Var& b, float b_factor, const char* name) {
  check_same_shape(a, b, name);
  Tensor out = a.value().clone();
  accumulate(b.value(), out, b_factor);
  const Var inputs[] = {a, b};
  const int ia = a.id(), ib = b.id();
  return a.graph()->record(std::move(out), inputs, [ia, ib, b_factor](Graph& g, const Tensor& d) {
    if (g.requires_grad(ia)) accumulate(d, g.grad(ia));
    if (g.requires_grad(ib)) accumulate(d, g.grad(ib), b_factor);
  });
}
}  // namespace

Var add(const Var& a, const Var& b) { return add_scaled(a, b, 1.0f, "add"); }
Var sub(const Var& a, const Var& b) { return add_scaled(a, b, -1.0f, "sub"); }

Var mul(const Var& a, const Var& b) {
  check_same_shape(a, b, "mul");
  const Tensor& av = a.value();
  const Tensor& bv = b.value();
  Tensor out = like(av);
  for (int64_t r = 0; r < av.rows(); ++r) {
    for (int64_t i = 0; i < av.cols(); ++i) out.row(r)[i] = av.row(r)[i] * bv.row(r)[i];
  }
  const Var inputs[] = {a, b};
  const int ia = a.id(), ib = b.id();
  return a.graph()->record(std::move(out), inputs, [ia, ib](Graph& g, const Tensor& d) {
    const Tensor& a_value = g.value(ia);
    const Tensor& b_value = g.value(ib);
    for (int side = 0; side < 2; ++side) {
      const int target = side == 0 ? ia : ib;
      if (!g.requires_grad(target)) continue;
      const Tensor& other = side == 0 ? b_value : a_value;
      Tensor& dt = g.grad(target);
      for (int64_t r = 0; r < d.rows(); ++r) {
        for (int64_t i = 0; i < d.cols(); ++i) dt.row(r)[i] += d.row(r)[i] * other.row(r)[i];
      }
    }
  });
}

Var scale(const Var& x, float factor) {
  Tensor out = like(x.value());
  for (int64_t r = 0; r < out.rows(); ++r) {
    kernels::scale_into(factor, x.value().row(r), out.row(r), out.cols());
  }
  const Var inputs[] = {x};
  const int ix = x.id();
  return x.graph()->record(std::move(out), inputs, [ix, factor](Graph& g, const Tensor& d) {
    accumulate(d, g.grad(ix), factor);
  });
}

Var add_bias(const Var& x, const Var& bias) {
  const Tensor& xv = x.value();
  TESSERA_CHECK(bias.value().numel() == xv.cols() && bias.value().contiguous(),
                "add_bias: bias of shape {} for rows of {} columns", bias.value().shape_string(),
                xv.cols());
  Tensor out = xv.clone();
  for (int64_t r = 0; r < out.rows(); ++r) {
    kernels::axpy(1.0f, bias.value().data(), out.row(r), out.cols());
  }
  const Var inputs[] = {x, bias};
  const int ix = x.id(), ib = bias.id();
  return x.graph()->record(std::move(out), inputs, [ix, ib](Graph& g, const Tensor& d) {
    if (g.requires_grad(ix)) accumulate(d, g.grad(ix));
    if (g.requires_grad(ib)) {
      float* db = g.grad(ib).data();
      for (int64_t r = 0; r < d.rows(); ++r) kernels::axpy(1.0f, d.row(r), db, d.cols());
    }
  });
}

namespace {
// An op of one input whose backward needs the input and its own output (activations, softmax):
// forward(x, out) fills out; backward(x, out, dout, dx) accumulates into dx.
template <typename Forward, typename Backward>
Var unary_with_output(const Var& x, Forward forward, Backward backward) {
  Tensor out = like(x.value());
  forward(x.value(), out);
  const Var inputs[] = {x};
  const int ix = x.id();
  const int out_id = x.graph()->size();  // the id record() is about to assign
  return x.graph()->record(std::move(out), inputs,
                           [ix, out_id, backward](Graph& g, const Tensor& d) {
                             backward(g.value(ix), g.value(out_id), d, g.grad(ix));
                           });
}
}  // namespace

Var activation(const Var& x, Activation f) {
  return unary_with_output(
      x, [f](const Tensor& in, Tensor& out) { activation_forward(f, in, out); },
      [f](const Tensor& in, const Tensor& out, const Tensor& d, Tensor& dx) {
        activation_backward(f, in, out, d, dx);
      });
}

Var softmax(const Var& x) {
  return unary_with_output(
      x, [](const Tensor& in, Tensor& out) { softmax_forward(in, out); },
      [](const Tensor&, const Tensor& out, const Tensor& d, Tensor& dx) {
        softmax_backward(out, d, dx);
      });
}

Var log_softmax(const Var& x) {
  return unary_with_output(
      x, [](const Tensor& in, Tensor& out) { log_softmax_forward(in, out); },
      [](const Tensor&, const Tensor& out, const Tensor& d, Tensor& dx) {
        log_softmax_backward(out, d, dx);
      });
}

Var layer_norm(const Var& x, const Var& gamma, const Var& beta, float eps) {
  const Tensor& xv = x.value();
  Tensor out = like(xv);
  auto stats = std::make_shared<std::vector<float>>(static_cast<size_t>(2 * xv.rows()));
  std::span<float> mean(stats->data(), static_cast<size_t>(xv.rows()));
  std::span<float> rstd(stats->data() + xv.rows(), static_cast<size_t>(xv.rows()));
  layer_norm_forward(xv, gamma.value(), beta.value(), eps, out, mean, rstd);
  const Var inputs[] = {x, gamma, beta};
  const int ix = x.id(), ig = gamma.id(), ib = beta.id();
  return x.graph()->record(std::move(out), inputs, [=](Graph& g, const Tensor& d) {
    const size_t rows = stats->size() / 2;
    layer_norm_backward(
        g.value(ix), g.value(ig), {stats->data(), rows}, {stats->data() + rows, rows}, d,
        g.requires_grad(ix) ? &g.grad(ix) : nullptr, g.requires_grad(ig) ? &g.grad(ig) : nullptr,
        g.requires_grad(ib) ? &g.grad(ib) : nullptr);
  });
}

Var l2_normalize(const Var& x, float eps) {
  const Tensor& xv = x.value();
  Tensor out = like(xv);
  auto norms = std::make_shared<std::vector<float>>(static_cast<size_t>(xv.rows()));
  l2_normalize_forward(xv, eps, out, *norms);
  const Var inputs[] = {x};
  const int ix = x.id();
  const int out_id = x.graph()->size();
  return x.graph()->record(std::move(out), inputs, [=](Graph& g, const Tensor& d) {
    l2_normalize_backward(g.value(out_id), *norms, eps, d, g.grad(ix));
  });
}

Var prefix(const Var& x, int64_t n) {
  const Var inputs[] = {x};
  const int ix = x.id();
  return x.graph()->record(x.value().prefix_cols(n), inputs, [ix, n](Graph& g, const Tensor& d) {
    Tensor dx = g.grad(ix).prefix_cols(n);
    accumulate(d, dx);
  });
}

Var slice_rows(const Var& x, int64_t begin, int64_t end) {
  TESSERA_CHECK(x.value().ndim() == 2, "slice_rows needs a 2-d Var, got {}",
                x.value().shape_string());
  const Var inputs[] = {x};
  const int ix = x.id();
  return x.graph()->record(x.value().slice_rows(begin, end), inputs,
                           [ix, begin, end](Graph& g, const Tensor& d) {
                             Tensor dx = g.grad(ix).slice_rows(begin, end);
                             accumulate(d, dx);
                           });
}

namespace {
Var reduce_sum(const Var& x, float factor) {
  const Tensor& xv = x.value();
  double total = 0.0;
  for (int64_t r = 0; r < xv.rows(); ++r) total += kernels::sum(xv.row(r), xv.cols());
  const Var inputs[] = {x};
  const int ix = x.id();
  return x.graph()->record(scalar(static_cast<float>(total * factor)), inputs,
                           [ix, factor](Graph& g, const Tensor& d) {
                             Tensor& dx = g.grad(ix);
                             const float v = d.data()[0] * factor;
                             for (int64_t r = 0; r < dx.rows(); ++r) {
                               for (int64_t i = 0; i < dx.cols(); ++i) dx.row(r)[i] += v;
                             }
                           });
}
}  // namespace

Var sum(const Var& x) { return reduce_sum(x, 1.0f); }
Var mean(const Var& x) {
  TESSERA_CHECK(x.value().numel() > 0, "mean of an empty tensor");
  return reduce_sum(x, 1.0f / static_cast<float>(x.value().numel()));
}

Var embedding_bag(Graph& graph, Parameter& table, Bags bags, Pooling pooling) {
  TESSERA_CHECK(table.sparse, "embedding_bag needs a sparse-row parameter, '{}' is dense",
                table.name);
  Tensor out = Tensor::empty({bags.size(), table.value.cols()});
  embedding_bag_forward(table.value, bags, pooling, out);
  // The table's gradient goes to the parameter's SparseRowGrad, never to a dense buffer.
  auto held = std::make_shared<Bags>(std::move(bags));
  Parameter* p = &table;
  return graph.record(
      std::move(out), {},
      [held, p, pooling](Graph&, const Tensor& d) {
        embedding_bag_backward(*held, pooling, d, p->sparse_grad);
      },
      /*reads_parameters=*/true);
}

Var cross_entropy(const Var& logits, std::vector<int32_t> targets) {
  Tensor probs = like(logits.value());
  const float loss = cross_entropy_forward(logits.value(), targets, probs);
  const Var inputs[] = {logits};
  const int il = logits.id();
  auto held = std::make_shared<std::vector<int32_t>>(std::move(targets));
  return logits.graph()->record(scalar(loss), inputs, [il, probs, held](Graph& g, const Tensor& d) {
    cross_entropy_backward(probs, *held, d.data()[0], g.grad(il));
  });
}

Var multi_target_cross_entropy(const Var& logits, RowTargets targets) {
  Tensor probs = like(logits.value());
  const float loss = multi_target_cross_entropy_forward(logits.value(), targets, probs);
  const Var inputs[] = {logits};
  const int il = logits.id();
  auto held = std::make_shared<RowTargets>(std::move(targets));
  return logits.graph()->record(scalar(loss), inputs, [il, probs, held](Graph& g, const Tensor& d) {
    multi_target_cross_entropy_backward(probs, *held, d.data()[0], g.grad(il));
  });
}

Var multi_target_logistic(const Var& logits, RowTargets targets) {
  Tensor probs = like(logits.value());
  const float loss = multi_target_logistic_forward(logits.value(), targets, probs);
  const Var inputs[] = {logits};
  const int il = logits.id();
  auto held = std::make_shared<RowTargets>(std::move(targets));
  return logits.graph()->record(scalar(loss), inputs, [il, probs, held](Graph& g, const Tensor& d) {
    multi_target_logistic_backward(probs, *held, d.data()[0], g.grad(il));
  });
}

Var mse(const Var& a, const Var& b) {
  const float loss = mse_forward(a.value(), b.value());
  const Var inputs[] = {a, b};
  const int ia = a.id(), ib = b.id();
  return a.graph()->record(scalar(loss), inputs, [ia, ib](Graph& g, const Tensor& d) {
    mse_backward(g.value(ia), g.value(ib), d.data()[0], g.requires_grad(ia) ? &g.grad(ia) : nullptr,
                 g.requires_grad(ib) ? &g.grad(ib) : nullptr);
  });
}

Var cosine_loss(const Var& a, const Var& b) {
  const float loss = cosine_loss_forward(a.value(), b.value());
  const Var inputs[] = {a, b};
  const int ia = a.id(), ib = b.id();
  return a.graph()->record(scalar(loss), inputs, [ia, ib](Graph& g, const Tensor& d) {
    cosine_loss_backward(g.value(ia), g.value(ib), d.data()[0],
                         g.requires_grad(ia) ? &g.grad(ia) : nullptr,
                         g.requires_grad(ib) ? &g.grad(ib) : nullptr);
  });
}

}  // namespace tessera
