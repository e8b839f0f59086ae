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

// Rows of queries handled together: the tile's similarity rows (kTileRows x N floats) stay in
// cache while every prefix's block product, softmax and gradient are formed on them.
constexpr int64_t kTileRows = 64;

// Rows [begin, end) and columns [col_begin, col_end) of a 2-d tensor, as a view.
Tensor block(const Tensor& t, int64_t begin, int64_t end, int64_t col_begin, int64_t col_end) {
  return Tensor::view_of(const_cast<float*>(t.row(begin)) + col_begin,
                         {end - begin, col_end - col_begin}, t.ld());
}

std::vector<float> inverses(const float* x, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = 1.0f / x[i];
  return out;
}

// What the forward pass keeps for backward.
struct Saved {
  Resolved setup;
  float scale = 0.0f;
  std::vector<float> q_norms, d_norms;  // prefixes x rows
  std::vector<Tensor> cosines;          // per prefix, B x N
  std::vector<Tensor> probs;            // per prefix, B x N: softmax of scale * cosines
};

// Backward of the fused loss, given d loss; accumulates into dq (B x dim) and dd (N x dim).
void backward_fused(const Saved& saved, const Tensor& q, const Tensor& d, float dloss, Tensor& dq,
                    Tensor& dd) {
  const auto& pre = saved.setup.prefixes;
  const auto& kt = kernels::active();
  const int64_t rows = q.dim(0), cols = d.dim(0), width = q.dim(1);
  const int64_t prefixes = static_cast<int64_t>(pre.size());
  std::vector<std::vector<float>> inv_dn;
  for (int64_t k = 0; k < prefixes; ++k) {
    inv_dn.push_back(inverses(saved.d_norms.data() + k * cols, cols));
  }
  // Each chunk of tiles (one per thread, a static split) keeps its own partial document
  // gradient and column sums; they are added in chunk order, so results are deterministic.
  const int64_t tiles = (rows + kTileRows - 1) / kTileRows;
  const int chunks = std::max(1, static_cast<int>(std::min<int64_t>(num_threads(), tiles)));
  std::vector<Tensor> dd_parts(static_cast<size_t>(chunks));
  std::vector<std::vector<float>> col_sums(static_cast<size_t>(chunks));  // prefixes x cols
  parallel_for(
      tiles,
      [&](int64_t tile_begin, int64_t tile_end, int chunk) {
        Tensor& dd_part = dd_parts[static_cast<size_t>(chunk)];
        dd_part = Tensor::zeros({cols, width});
        std::vector<float>& col_sum = col_sums[static_cast<size_t>(chunk)];
        col_sum.assign(static_cast<size_t>(prefixes * cols), 0.0f);
        Tensor acc = Tensor::empty({kTileRows, cols});  // d raw, summed over prefixes >= k
        for (int64_t t = tile_begin; t < tile_end; ++t) {
          const int64_t r0 = t * kTileRows, r1 = std::min(rows, r0 + kTileRows);
          Tensor acc_tile = acc.slice_rows(0, r1 - r0);
          acc_tile.zero();
          for (int64_t k = prefixes; k-- > 0;) {
            const float* qn = saved.q_norms.data() + k * rows;
            const float* inv = inv_dn[static_cast<size_t>(k)].data();
            float* col = col_sum.data() + k * cols;
            const Tensor& cosine = saved.cosines[static_cast<size_t>(k)];
            const Tensor& prob = saved.probs[static_cast<size_t>(k)];
            // d cos_ij = coef * (p_ij - [i == j]), coef = scale * w * dloss / B.
            const float coef = saved.scale * saved.setup.weights[static_cast<size_t>(k)] * dloss /
                               static_cast<float>(rows);
            const int64_t p = pre[static_cast<size_t>(k)];
            for (int64_t i = r0; i < r1; ++i) {
              const float* c = cosine.row(i);
              const float inv_qn = 1.0f / qn[i];
              float* acc_row = acc_tile.row(i - r0);
              float row_dot =
                  kt.contrastive_grad(c, prob.row(i), coef, inv_qn, inv, col, acc_row, cols);
              row_dot -= coef * c[i];
              col[i] -= coef * c[i];
              acc_row[i] -= coef * inv_qn * inv[i];
              // cos = raw / (|q||d|): d|q_i| = -sum_j dcos_ij cos_ij / |q_i|, and
              // d q[i, :p] += (d|q_i| / |q_i|) q[i, :p].
              if (qn[i] > kNormEps) kt.axpy(-row_dot * inv_qn * inv_qn, q.row(i), dq.row(i), p);
            }
            // Columns (p_{k-1}, p_k] get the raw gradient of every prefix that contains them.
            const int64_t from = k == 0 ? 0 : pre[static_cast<size_t>(k - 1)];
            Tensor dq_block = block(dq, r0, r1, from, p);
            Tensor dd_block = block(dd_part, 0, cols, from, p);
            matmul(acc_tile, block(d, 0, cols, from, p), dq_block, false, false, 1.0f, 1.0f);
            matmul(acc_tile, block(q, r0, r1, from, p), dd_block, true, false, 1.0f, 1.0f);
          }
        }
      },
      1);
  for (const Tensor& part : dd_parts) {
    if (!part.defined()) continue;
    for (int64_t j = 0; j < cols; ++j) kt.axpy(1.0f, part.row(j), dd.row(j), width);
  }
  // Document norm terms: d d[j, :p] += -(sum_i dcos_ij cos_ij) / |d_j|^2 * d[j, :p].
  for (int64_t k = 0; k < prefixes; ++k) {
    const float* dn = saved.d_norms.data() + k * cols;
    for (int64_t j = 0; j < cols; ++j) {
      if (dn[j] <= kNormEps) continue;
      float total = 0.0f;
      for (const auto& part : col_sums) {
        if (!part.empty()) total += part[static_cast<size_t>(k * cols + j)];
      }
      kt.axpy(-total / (dn[j] * dn[j]), d.row(j), dd.row(j), pre[static_cast<size_t>(k)]);
    }
  }
}

// The fused op; with a scale Var (one element) the inverse temperature is its value and it
// receives d loss / d scale = sum_k w_k / B sum_i (sum_j p_ij c_ij - c_ii).
Var fused_infonce(const Var& queries, const Var& documents, const Var* scale_var,
                  const MatryoshkaInfoNceOptions& options) {
  auto saved = std::make_shared<Saved>();
  saved->setup = resolve(queries, documents, options);
  saved->scale = options.scale;
  if (scale_var != nullptr) {
    TESSERA_CHECK(scale_var->value().numel() == 1, "the InfoNCE scale must have one element");
    saved->scale = scale_var->value().data()[0];
  }
  TESSERA_CHECK(std::isfinite(saved->scale) && saved->scale > 0,
                "the InfoNCE scale must be finite and > 0, got {}", saved->scale);
  const auto& pre = saved->setup.prefixes;
  const int64_t prefixes = static_cast<int64_t>(pre.size());
  const Tensor& q = queries.value();
  const Tensor& d = documents.value();
  const int64_t rows = q.dim(0), cols = d.dim(0);
  saved->q_norms = prefix_norms(q, pre);
  saved->d_norms = prefix_norms(d, pre);
  std::vector<std::vector<float>> inv_dn;
  for (int64_t k = 0; k < prefixes; ++k) {
    inv_dn.push_back(inverses(saved->d_norms.data() + k * cols, cols));
    saved->cosines.push_back(Tensor::empty({rows, cols}));
    saved->probs.push_back(Tensor::empty({rows, cols}));
  }
  // row_loss[k * rows + i]: the cross-entropy of query i at prefix k.
  std::vector<double> row_loss(static_cast<size_t>(prefixes * rows));
  const auto& kt = kernels::active();
  const float scale = saved->scale;
  const int64_t tiles = (rows + kTileRows - 1) / kTileRows;
  parallel_for_dynamic(
      tiles,
      [&](int64_t tile_begin, int64_t tile_end, int) {
        Tensor raw = Tensor::empty({kTileRows, cols});  // q d^T over the prefix so far
        for (int64_t t = tile_begin; t < tile_end; ++t) {
          const int64_t r0 = t * kTileRows, r1 = std::min(rows, r0 + kTileRows);
          Tensor raw_tile = raw.slice_rows(0, r1 - r0);
          int64_t from = 0;
          for (int64_t k = 0; k < prefixes; ++k) {
            const int64_t p = pre[static_cast<size_t>(k)];
            matmul(block(q, r0, r1, from, p), block(d, 0, cols, from, p), raw_tile, false, true,
                   1.0f, k == 0 ? 0.0f : 1.0f);
            from = p;
            const float* qn = saved->q_norms.data() + k * rows;
            Tensor& cosine = saved->cosines[static_cast<size_t>(k)];
            Tensor& prob = saved->probs[static_cast<size_t>(k)];
            for (int64_t i = r0; i < r1; ++i) {
              float* c = cosine.row(i);
              float* pr = prob.row(i);
              const float max = kt.scaled_max(raw_tile.row(i - r0), 1.0f / qn[i],
                                              inv_dn[static_cast<size_t>(k)].data(), c, cols);
              const float total = kt.exp_sum(c, max, scale, pr, cols);
              kt.scale(1.0f / total, pr, cols);
              row_loss[static_cast<size_t>(k * rows + i)] =
                  static_cast<double>(scale) * (max - c[i]) + std::log(static_cast<double>(total));
            }
          }
        }
      },
      1);
  double loss = 0.0;
  for (int64_t k = 0; k < prefixes; ++k) {
    double sum = 0.0;
    for (int64_t i = 0; i < rows; ++i) sum += row_loss[static_cast<size_t>(k * rows + i)];
    loss += saved->setup.weights[static_cast<size_t>(k)] * sum / static_cast<double>(rows);
  }

  std::vector<Var> inputs = {queries, documents};
  if (scale_var != nullptr) inputs.push_back(*scale_var);
  const int iq = queries.id(), id = documents.id();
  const int is = scale_var != nullptr ? scale_var->id() : -1;
  return queries.graph()->record(
      Tensor::from({1}, {static_cast<float>(loss)}), inputs,
      [saved, iq, id, is](Graph& g, const Tensor& dloss) {
        const Tensor& qv = g.value(iq);
        const Tensor& dv = g.value(id);
        Tensor dq = Tensor::zeros({qv.dim(0), qv.dim(1)});
        Tensor dd = Tensor::zeros({dv.dim(0), dv.dim(1)});
        backward_fused(*saved, qv, dv, dloss.data()[0], dq, dd);
        if (g.requires_grad(iq)) {
          Tensor& gq = g.grad(iq);
          for (int64_t i = 0; i < dq.rows(); ++i) {
            kernels::axpy(1.0f, dq.row(i), gq.row(i), dq.cols());
          }
        }
        if (g.requires_grad(id)) {
          Tensor& gd = g.grad(id);
          for (int64_t j = 0; j < dd.rows(); ++j) {
            kernels::axpy(1.0f, dd.row(j), gd.row(j), dd.cols());
          }
        }
        if (is >= 0 && g.requires_grad(is)) {
          const int64_t batch = qv.dim(0), columns = dv.dim(0);
          double total = 0.0;
          for (size_t k = 0; k < saved->cosines.size(); ++k) {
            double sum = 0.0;
            for (int64_t i = 0; i < batch; ++i) {
              const float* c = saved->cosines[k].row(i);
              sum += kernels::dot(saved->probs[k].row(i), c, columns) - c[i];
            }
            total += saved->setup.weights[k] * sum / static_cast<double>(batch);
          }
          g.grad(is).data()[0] += static_cast<float>(total) * dloss.data()[0];
        }
      });
}

}  // namespace

Var matryoshka_infonce(const Var& queries, const Var& documents,
                       const MatryoshkaInfoNceOptions& options) {
  return fused_infonce(queries, documents, nullptr, options);
}

Var matryoshka_infonce(const Var& queries, const Var& documents, const Var& scale,
                       const MatryoshkaInfoNceOptions& options) {
  return fused_infonce(queries, documents, &scale, options);
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
