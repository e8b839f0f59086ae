#include "tessera/train/objective.h"

#include <cmath>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"

namespace tessera {

bool EmbeddedBatch::diagonal() const {
  for (int64_t i = 0; i < targets.rows(); ++i) {
    if (targets.offsets[static_cast<size_t>(i) + 1] - targets.offsets[static_cast<size_t>(i)] !=
            1 ||
        targets.targets[static_cast<size_t>(targets.offsets[static_cast<size_t>(i)])] != i) {
      return false;
    }
  }
  return true;
}

EmbeddedBatch EmbeddedBatch::prefix(int64_t dim) const {
  return {tessera::prefix(anchors, dim), tessera::prefix(candidates, dim), targets};
}

double mean_negative_cosine(const EmbeddedBatch& batch) {
  const Tensor& a = batch.anchors.value();
  const Tensor& c = batch.candidates.value();
  const RowTargets& t = batch.targets;
  const int64_t width = a.dim(1), b = a.dim(0), n = c.dim(0);
  const auto positives = static_cast<int64_t>(t.targets.size());
  if (b * n - positives <= 0) return 0.0;
  auto inverse_norm = [&](const float* row) {
    const float norm = std::sqrt(kernels::sum_squares(row, width));
    return norm > 0 ? 1.0f / norm : 0.0f;
  };
  // (sum_i a_i / |a_i|) . (sum_j c_j / |c_j|), minus the cosines of the positive pairs.
  std::vector<float> a_sum(static_cast<size_t>(width), 0.0f), c_sum(a_sum);
  double positive_total = 0.0;
  for (int64_t i = 0; i < b; ++i) {
    const float ia = inverse_norm(a.row(i));
    kernels::axpy(ia, a.row(i), a_sum.data(), width);
    for (int64_t k = t.offsets[static_cast<size_t>(i)]; k < t.offsets[static_cast<size_t>(i) + 1];
         ++k) {
      const int64_t j = t.targets[static_cast<size_t>(k)];
      positive_total += static_cast<double>(ia * inverse_norm(c.row(j)) *
                                            kernels::dot(a.row(i), c.row(j), width));
    }
  }
  for (int64_t j = 0; j < n; ++j) {
    kernels::axpy(inverse_norm(c.row(j)), c.row(j), c_sum.data(), width);
  }
  const double total = kernels::dot(a_sum.data(), c_sum.data(), width) - positive_total;
  return total / static_cast<double>(b * n - positives);
}

Var Objective::fused_prefix_loss(const EmbeddedBatch& /*batch*/,
                                 std::span<const int64_t> /*prefixes*/,
                                 std::span<const float> /*weights*/) {
  return {};
}

}  // namespace tessera
