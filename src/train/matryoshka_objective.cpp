#include "tessera/train/matryoshka_objective.h"

#include <fmt/format.h>

#include "tessera/core/check.h"

namespace tessera {

MatryoshkaObjective::MatryoshkaObjective(std::shared_ptr<Objective> inner,
                                         std::vector<int64_t> prefixes, std::vector<float> weights)
    : inner_(std::move(inner)), prefixes_(std::move(prefixes)), weights_(std::move(weights)) {
  TESSERA_CHECK(inner_ != nullptr, "a Matryoshka objective needs an inner objective");
  TESSERA_CHECK(!prefixes_.empty(), "a Matryoshka objective needs at least one prefix");
  for (size_t k = 0; k < prefixes_.size(); ++k) {
    TESSERA_CHECK(prefixes_[k] > 0 && (k == 0 || prefixes_[k] > prefixes_[k - 1]),
                  "Matryoshka prefixes must be positive and ascending, got {}",
                  fmt::join(prefixes_, ","));
  }
  TESSERA_CHECK(weights_.empty() || weights_.size() == prefixes_.size(),
                "{} prefix weights for {} prefixes", weights_.size(), prefixes_.size());
  if (weights_.empty()) weights_.assign(prefixes_.size(), 1.0f);
}

Var MatryoshkaObjective::loss(const EmbeddedBatch& batch) {
  const int64_t dim = batch.anchors.value().dim(1);
  TESSERA_CHECK(prefixes_.back() <= dim, "Matryoshka prefix {} is beyond the vectors' {} dims",
                prefixes_.back(), dim);
  const Var fused = inner_->fused_prefix_loss(batch, prefixes_, weights_);
  if (fused.defined()) return fused;
  Var total;
  for (size_t k = 0; k < prefixes_.size(); ++k) {
    const EmbeddedBatch cut = prefixes_[k] == dim ? batch : batch.prefix(prefixes_[k]);
    const Var term = scale(inner_->loss(cut), weights_[k]);
    total = total.defined() ? add(total, term) : term;
  }
  return total;
}

}  // namespace tessera
