#include "test_support.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "gradcheck.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera::testing {

namespace {

std::string index_string(const Tensor& t, int64_t flat) {
  const int64_t r = flat / t.cols();
  const int64_t c = flat % t.cols();
  std::ostringstream out;
  out << "(row " << r << ", col " << c << ")";
  return out.str();
}

}  // namespace

Tensor random_tensor(std::initializer_list<int64_t> shape, Rng& rng, float lo, float hi) {
  Tensor t = Tensor::empty(shape);
  fill_random(t, rng, lo, hi);
  return t;
}

Tensor random_away_from_zero(std::initializer_list<int64_t> shape, Rng& rng, float margin,
                             float hi) {
  Tensor t = Tensor::empty(shape);
  for (int64_t r = 0; r < t.rows(); ++r) {
    for (int64_t c = 0; c < t.cols(); ++c) {
      const float magnitude = rng.uniform(margin, hi);
      t.row(r)[c] = rng.uniform(0.0f, 1.0f) < 0.5f ? -magnitude : magnitude;
    }
  }
  return t;
}

void fill_random(Tensor& t, Rng& rng, float lo, float hi) {
  for (int64_t r = 0; r < t.rows(); ++r) {
    for (int64_t c = 0; c < t.cols(); ++c) t.row(r)[c] = rng.uniform(lo, hi);
  }
}

std::vector<double> to_double(const Tensor& t) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(t.numel()));
  for (int64_t r = 0; r < t.rows(); ++r) {
    for (int64_t c = 0; c < t.cols(); ++c) out.push_back(t.row(r)[c]);
  }
  return out;
}

::testing::AssertionResult tensor_near(const Tensor& actual, const std::vector<double>& expected,
                                       double rel, double abs) {
  if (static_cast<int64_t>(expected.size()) != actual.numel()) {
    return ::testing::AssertionFailure()
           << "tensor of shape " << actual.shape_string() << " has " << actual.numel()
           << " elements, expected " << expected.size();
  }
  const std::vector<double> values = to_double(actual);
  int mismatches = 0;
  double worst = 0.0;
  std::ostringstream details;
  for (size_t i = 0; i < values.size(); ++i) {
    if (near(values[i], expected[i], rel, abs) && std::isfinite(values[i])) continue;
    worst = std::max(worst, std::abs(values[i] - expected[i]));
    if (++mismatches <= 5) {
      details << "\n  " << index_string(actual, static_cast<int64_t>(i)) << ": got " << values[i]
              << ", expected " << expected[i];
    }
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatches << " of " << values.size() << " elements differ (rel " << rel << ", abs "
         << abs << ", worst |diff| " << worst << "):" << details.str();
}

::testing::AssertionResult tensor_near(const Tensor& actual, const Tensor& expected, double rel,
                                       double abs) {
  if (!actual.same_shape(expected)) {
    return ::testing::AssertionFailure()
           << "shape " << actual.shape_string() << " vs expected " << expected.shape_string();
  }
  return tensor_near(actual, to_double(expected), rel, abs);
}

::testing::AssertionResult tensor_identical(const Tensor& a, const Tensor& b) {
  if (!a.same_shape(b)) {
    return ::testing::AssertionFailure()
           << "shapes " << a.shape_string() << " and " << b.shape_string();
  }
  for (int64_t r = 0; r < a.rows(); ++r) {
    if (std::memcmp(a.row(r), b.row(r), static_cast<size_t>(a.cols()) * sizeof(float)) != 0) {
      return ::testing::AssertionFailure() << "row " << r << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

void add_sparse_grad(Parameter& p, const std::vector<int32_t>& rows, const Tensor& values) {
  TESSERA_CHECK(values.dim(0) == static_cast<int64_t>(rows.size()), "{} rows for {} values",
                rows.size(), values.dim(0));
  std::vector<int32_t> slots;
  p.sparse_grad.assign_slots(rows, slots);
  PendingRows pending;
  pending.source = values;
  pending.first_entry.assign(static_cast<size_t>(p.sparse_grad.size()) + 1, 0);
  for (int32_t s : slots) ++pending.first_entry[static_cast<size_t>(s) + 1];
  for (size_t s = 1; s < pending.first_entry.size(); ++s) {
    pending.first_entry[s] += pending.first_entry[s - 1];
  }
  pending.src.resize(rows.size());
  pending.coef.assign(rows.size(), 1.0f);
  std::vector<int32_t> next(pending.first_entry.begin(), pending.first_entry.end() - 1);
  for (size_t i = 0; i < rows.size(); ++i) {
    pending.src[static_cast<size_t>(next[static_cast<size_t>(slots[i])]++)] =
        static_cast<int32_t>(i);
  }
  p.sparse_grad.add(std::move(pending));
}

Tensor densify(SparseRowGrad& grad) {
  Tensor dense = Tensor::zeros({grad.table_rows(), grad.dim()});
  const Tensor values = grad.values();
  for (int64_t s = 0; s < grad.size(); ++s) {
    std::copy_n(values.row(s), grad.dim(), dense.row(grad.rows()[static_cast<size_t>(s)]));
  }
  return dense;
}

ScopedNumThreads::ScopedNumThreads(int n) : previous_(num_threads()) { set_num_threads(n); }
ScopedNumThreads::~ScopedNumThreads() { set_num_threads(previous_); }

Watchdog::Watchdog(std::chrono::milliseconds limit, std::string what)
    : thread_([this, limit, what = std::move(what)] {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
          std::fprintf(stderr, "watchdog: %s did not finish within %lld ms (deadlock?)\n",
                       what.c_str(), static_cast<long long>(limit.count()));
          std::fflush(stderr);
          std::abort();
        }
      }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
  thread_.join();
}

// ---------------------------------------------------------------- gradcheck

Var weighted_sum(const Var& y, const Tensor& w) {
  const Tensor& yv = y.value();
  TESSERA_CHECK(yv.same_shape(w), "weighted_sum: weights {} for values {}", w.shape_string(),
                yv.shape_string());
  const float loss = static_cast<float>(weighted_sum_value(yv, w));
  const Var inputs[] = {y};
  const int iy = y.id();
  return y.graph()->record(Tensor::from({1}, {loss}), inputs, [iy, w](Graph& g, const Tensor& d) {
    Tensor& dy = g.grad(iy);
    const float seed = d.data()[0];
    for (int64_t r = 0; r < dy.rows(); ++r) {
      for (int64_t c = 0; c < dy.cols(); ++c) {
        dy.row(r)[c] += seed * w.row(r)[c];
      }
    }
  });
}

double weighted_sum_value(const Tensor& y, const Tensor& w) {
  double total = 0.0;
  for (int64_t r = 0; r < y.rows(); ++r) {
    for (int64_t c = 0; c < y.cols(); ++c) {
      total += static_cast<double>(y.row(r)[c]) * static_cast<double>(w.row(r)[c]);
    }
  }
  return total;
}

namespace {

bool is_constant(const GradCheckOptions& options, size_t i) {
  return i < options.constant.size() && options.constant[i];
}

std::vector<Var> make_vars(Graph& g, const std::vector<Tensor>& inputs,
                           const GradCheckOptions& options) {
  std::vector<Var> vars;
  for (size_t i = 0; i < inputs.size(); ++i) {
    // Shallow copies: the graph sees the caller's storage, so a perturbation shows up.
    vars.push_back(is_constant(options, i) ? g.constant(inputs[i]) : g.leaf(inputs[i]));
  }
  return vars;
}

}  // namespace

::testing::AssertionResult check_gradients(const OpFn& op, std::vector<Tensor> inputs,
                                           const GradCheckOptions& options) {
  Graph graph;
  std::vector<Var> vars = make_vars(graph, inputs, options);
  const Var y = op(vars);
  Rng rng(options.weight_seed);
  Tensor w = Tensor::empty(y.value().shape());
  fill_random(w, rng);
  graph.backward(weighted_sum(y, w));

  auto loss_at = [&]() {
    Graph g;
    return weighted_sum_value(op(make_vars(g, inputs, options)).value(), w);
  };

  std::ostringstream details;
  int mismatches = 0, checked = 0;
  double worst = 0.0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (is_constant(options, i)) continue;
    Tensor& x = inputs[i];
    const Tensor& analytic = vars[i].grad();
    for (int64_t r = 0; r < x.rows(); ++r) {
      for (int64_t c = 0; c < x.cols(); ++c) {
        float& element = x.row(r)[c];
        const float original = element;
        const float plus = static_cast<float>(original + options.eps);
        const float minus = static_cast<float>(original - options.eps);
        element = plus;
        const double loss_plus = loss_at();
        element = minus;
        const double loss_minus = loss_at();
        element = original;
        // Divide by the step actually taken in float, not the nominal 2 * eps.
        const double numeric =
            (loss_plus - loss_minus) / (static_cast<double>(plus) - static_cast<double>(minus));
        // No gradient buffer means nothing flowed back: the analytic gradient is zero.
        const double got = analytic.defined() ? analytic.row(r)[c] : 0.0;
        ++checked;
        if (near(got, numeric, options.rel, options.abs) && std::isfinite(got)) continue;
        worst = std::max(worst, std::abs(got - numeric));
        if (++mismatches <= 8) {
          details << "\n  input " << i << " " << index_string(x, r * x.cols() + c) << ": analytic "
                  << got << ", finite difference " << numeric;
        }
      }
    }
  }
  if (checked == 0) return ::testing::AssertionFailure() << "no input to check";
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatches << " of " << checked << " gradient elements differ (worst |diff| " << worst
         << "):" << details.str();
}

}  // namespace tessera::testing
