#include "tessera/train/label_objective.h"

#include <cmath>

#include "tessera/core/check.h"

namespace tessera {

LabelObjective::LabelObjective(LabelObjectiveOptions options) : options_(options) {
  TESSERA_CHECK(options_.scale > 0 && std::isfinite(options_.scale), "scale must be > 0, got {}",
                options_.scale);
}

Var LabelObjective::loss(const EmbeddedBatch& batch) {
  Var anchors = batch.anchors;
  Var candidates = batch.candidates;
  if (options_.similarity == Similarity::kCosine) {
    anchors = l2_normalize(anchors);
    candidates = l2_normalize(candidates);
  }
  Var logits = matmul(anchors, candidates, /*transpose_a=*/false, /*transpose_b=*/true);
  if (options_.scale != 1.0f) logits = scale(logits, options_.scale);
  return options_.loss == LabelLoss::kSoftmax ? multi_target_cross_entropy(logits, batch.targets)
                                              : multi_target_logistic(logits, batch.targets);
}

}  // namespace tessera
