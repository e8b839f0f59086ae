#include "tessera/train/matryoshka_infonce.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/matmul.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

// F.normalize's clamp: a row whose norm is below this is divided by it instead.
constexpr float kNormEps = 1e-12f;

struct Resolved {
  std::vector<int64_t> prefixes;
  std::vector<float> weights;
  std::vector<int32_t> targets;
};

Resolved resolve(const Var& queries, const Var& documents, const MatryoshkaInfoNceOptions& o) {
  const Tensor& q = queries.value();
  const Tensor& d = documents.value();
  TESSERA_CHECK(q.ndim() == 2 && d.ndim() == 2 && q.dim(1) == d.dim(1),
                "InfoNCE needs queries and documents of one width, got {} and {}", q.shape_string(),
                d.shape_string());
  TESSERA_CHECK(q.dim(0) > 0 && d.dim(0) >= q.dim(0),
                "InfoNCE needs a document for every query: {} for {}", d.dim(0), q.dim(0));
  Resolved r;
  r.prefixes = o.prefixes;
  if (r.prefixes.empty()) r.prefixes.push_back(q.dim(1));
  TESSERA_CHECK(o.weights.empty() || o.weights.size() == r.prefixes.size(),
                "{} Matryoshka weights for {} prefixes", o.weights.size(), r.prefixes.size());
  for (size_t k = 0; k < r.prefixes.size(); ++k) {
    const int64_t p = r.prefixes[k];
    TESSERA_CHECK(p > 0 && p <= q.dim(1) && (k == 0 || p > r.prefixes[k - 1]),
                  "Matryoshka prefixes must ascend within (0, {}], got {}", q.dim(1), p);
  }
  r.weights = o.weights.empty() ? std::vector<float>(r.prefixes.size(), 1.0f) : o.weights;
  r.targets.resize(static_cast<size_t>(q.dim(0)));
  std::iota(r.targets.begin(), r.targets.end(), 0);
  return r;
}

// Columns [begin, end) of a 2-d tensor, as a view.
Tensor column_block(const Tensor& t, int64_t begin, int64_t end) {
  return Tensor::view_of(const_cast<float*>(t.data()) + begin, {t.dim(0), end - begin}, t.ld());
}

// Row norms of the prefixes: norms[k * rows + i] = max(|t[i, :prefixes[k]]|, eps).
std::vector<float> prefix_norms(const Tensor& t, const std::vector<int64_t>& prefixes) {
  const int64_t rows = t.dim(0);
  std::vector<float> norms(prefixes.size() * static_cast<size_t>(rows));
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end, int) {
        for (int64_t i = begin; i < end; ++i) {
          float running = 0.0f;
          int64_t from = 0;
          for (size_t k = 0; k < prefixes.size(); ++k) {
            running += kernels::sum_squares(t.row(i) + from, prefixes[k] - from);
            from = prefixes[k];
            norms[k * rows + i] = std::max(std::sqrt(running), kNormEps);
          }
        }
      },
      64);
  return norms;
}

// What the forward pass keeps for backward.
struct Saved {
  Resolved setup;
  float scale = 0.0f;
  std::vector<float> q_norms, d_norms;  // prefixes x rows
  std::vector<Tensor> cosines;          // per prefix, B x N
  std::vector<Tensor> probs;            // per prefix, B x N: softmax of scale * cosines
};

}  // namespace

Var matryoshka_infonce(const Var& queries, const Var& documents,
                       const MatryoshkaInfoNceOptions& options) {
  auto saved = std::make_shared<Saved>();
  saved->setup = resolve(queries, documents, options);
  saved->scale = options.scale;
  const auto& prefixes = saved->setup.prefixes;
  const Tensor& q = queries.value();
  const Tensor& d = documents.value();
  const int64_t b = q.dim(0), n = d.dim(0);
  saved->q_norms = prefix_norms(q, prefixes);
  saved->d_norms = prefix_norms(d, prefixes);

  // raw_k = q[:, :p_k] d[:, :p_k]^T, built block by block from raw_{k-1}.
  std::vector<double> prefix_loss(prefixes.size());
  Tensor raw = Tensor::zeros({b, n});
  int64_t from = 0;
  const auto& k_table = kernels::active();
  for (size_t k = 0; k < prefixes.size(); ++k) {
    matmul(column_block(q, from, prefixes[k]), column_block(d, from, prefixes[k]), raw, false, true,
           1.0f, 1.0f);
    from = prefixes[k];
    Tensor cosine = Tensor::empty({b, n});
    Tensor prob = Tensor::empty({b, n});
    const float* qn = saved->q_norms.data() + k * b;
    const float* dn = saved->d_norms.data() + k * n;
    std::vector<float> inv_dn(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) inv_dn[static_cast<size_t>(j)] = 1.0f / dn[j];
    std::vector<double> row_loss(static_cast<size_t>(b));
    const float scale = options.scale;
    parallel_for(
        b,
        [&](int64_t begin, int64_t end, int) {
          for (int64_t i = begin; i < end; ++i) {
            const float* r = raw.row(i);
            float* c = cosine.row(i);
            float* p = prob.row(i);
            const float max = k_table.scaled_max(r, 1.0f / qn[i], inv_dn.data(), c, n);
            const float total = k_table.exp_sum(c, max, scale, p, n);
            k_table.scale(1.0f / total, p, n);
            row_loss[static_cast<size_t>(i)] =
                static_cast<double>(scale) * (max - c[i]) + std::log(static_cast<double>(total));
          }
        },
        16);
    double sum = 0.0;
    for (double l : row_loss) sum += l;
    prefix_loss[k] = sum / static_cast<double>(b);
    saved->cosines.push_back(std::move(cosine));
    saved->probs.push_back(std::move(prob));
  }
  double loss = 0.0;
  for (size_t k = 0; k < prefixes.size(); ++k) loss += saved->setup.weights[k] * prefix_loss[k];

  const Var inputs[] = {queries, documents};
  const int iq = queries.id(), id = documents.id();
  return queries.graph()->record(
      Tensor::from({1}, {static_cast<float>(loss)}), inputs,
      [saved, iq, id](Graph& g, const Tensor& dloss) {
        const Tensor& qv = g.value(iq);
        const Tensor& dv = g.value(id);
        const auto& pre = saved->setup.prefixes;
        const int64_t rows = qv.dim(0), cols = dv.dim(0);
        const int chunks = std::max(1, num_threads());
        // d raw_k, summed from the last prefix down: block j receives sum_{k >= j} d raw_k.
        Tensor draw_sum = Tensor::zeros({rows, cols});
        Tensor dq = Tensor::zeros({rows, qv.dim(1)});
        Tensor dd = Tensor::zeros({cols, dv.dim(1)});
        std::vector<float> dq_norm(static_cast<size_t>(rows));
        std::vector<float> inv_dn(static_cast<size_t>(cols));
        std::vector<float> dd_norm_parts(static_cast<size_t>(chunks * cols));
        for (size_t kk = pre.size(); kk-- > 0;) {
          const float* qn = saved->q_norms.data() + kk * rows;
          const float* dn = saved->d_norms.data() + kk * cols;
          const Tensor& cosine = saved->cosines[kk];
          const Tensor& prob = saved->probs[kk];
          // d cos = scale * w * dloss * (p - onehot) / B
          const float coef =
              saved->scale * saved->setup.weights[kk] * dloss.data()[0] / static_cast<float>(rows);
          std::fill(dd_norm_parts.begin(), dd_norm_parts.end(), 0.0f);
          for (int64_t j = 0; j < cols; ++j) inv_dn[static_cast<size_t>(j)] = 1.0f / dn[j];
          const auto& kt = kernels::active();
          parallel_for(
              rows,
              [&](int64_t begin, int64_t end, int chunk) {
                float* dn_part = dd_norm_parts.data() + static_cast<int64_t>(chunk) * cols;
                for (int64_t i = begin; i < end; ++i) {
                  const float* c = cosine.row(i);
                  const float* p = prob.row(i);
                  float* acc = draw_sum.row(i);
                  const float inv_qn = 1.0f / qn[i];
                  // d cos_ij = coef * (p_ij - [i == j]): the whole row, then the target's -coef.
                  float row_dot =
                      kt.contrastive_grad(c, p, coef, inv_qn, inv_dn.data(), dn_part, acc, cols);
                  row_dot -= coef * c[i];
                  dn_part[i] -= coef * c[i];
                  acc[i] -= coef * inv_qn * inv_dn[static_cast<size_t>(i)];
                  // cos = raw / (|q| |d|): d|q_i| = -sum_j dcos_ij cos_ij / |q_i|
                  dq_norm[static_cast<size_t>(i)] = qn[i] > kNormEps ? -row_dot / qn[i] : 0.0f;
                }
              },
              16);
          // Norm terms: d q[i, :p] += (d|q_i| / |q_i|) q[i, :p], and the same for documents.
          const int64_t p = pre[kk];
          for (int64_t i = 0; i < rows; ++i) {
            kernels::axpy(dq_norm[static_cast<size_t>(i)] / qn[i], qv.row(i), dq.row(i), p);
          }
          for (int64_t j = 0; j < cols; ++j) {
            float dnorm = 0.0f;
            for (int c = 0; c < chunks; ++c) dnorm += dd_norm_parts[c * cols + j];
            if (dn[j] > kNormEps) kernels::axpy(-dnorm / (dn[j] * dn[j]), dv.row(j), dd.row(j), p);
          }
          // Block (p_{k-1}, p_k] gets the summed raw gradient of every prefix that contains it.
          const int64_t block_begin = kk == 0 ? 0 : pre[kk - 1];
          Tensor dq_block = column_block(dq, block_begin, p);
          Tensor dd_block = column_block(dd, block_begin, p);
          matmul(draw_sum, column_block(dv, block_begin, p), dq_block, false, false, 1.0f, 1.0f);
          matmul(draw_sum, column_block(qv, block_begin, p), dd_block, true, false, 1.0f, 1.0f);
        }
        if (g.requires_grad(iq)) {
          Tensor& gq = g.grad(iq);
          for (int64_t i = 0; i < rows; ++i) kernels::axpy(1.0f, dq.row(i), gq.row(i), dq.cols());
        }
        if (g.requires_grad(id)) {
          Tensor& gd = g.grad(id);
          for (int64_t j = 0; j < cols; ++j) kernels::axpy(1.0f, dd.row(j), gd.row(j), dd.cols());
        }
      });
}

Var matryoshka_infonce_reference(const Var& queries, const Var& documents,
                                 const MatryoshkaInfoNceOptions& options) {
  const Resolved r = resolve(queries, documents, options);
  Var total;
  for (size_t k = 0; k < r.prefixes.size(); ++k) {
    const Var qn = l2_normalize(prefix(queries, r.prefixes[k]));
    const Var dn = l2_normalize(prefix(documents, r.prefixes[k]));
    Var loss = cross_entropy(scale(matmul(qn, dn, false, true), options.scale), r.targets);
    if (r.weights[k] != 1.0f) loss = scale(loss, r.weights[k]);
    total = k == 0 ? loss : add(total, loss);
  }
  return total;
}

}  // namespace tessera
