// Label objective: each anchor scored against candidate labels, the output layer of fastText's
// supervised mode and StarSpace's trainMode 0, with labels as embedded entities of a tower.
//
//   softmax   softmax cross-entropy against the distribution uniform over the anchor's
//             positives (several for multi-label examples)
//   logistic  one binary logistic loss per candidate: positives toward 1, the others toward 0
//             (fastText's -loss ova over every label, and -loss ns over a sample of them)
//
// With every row of the label tower as candidates (training_task.h's kAllRows) the loss is over
// all labels; with the batch's positives and a uniform sample of the other rows (kSampledRows) it
// is the sampled softmax (Jean et al., 2015) or negative sampling, for label sets too large to
// score whole. Scores are scale * cos(a, l), or scale * the inner product (fastText's, scale 1).
#pragma once

#include "tessera/core/enum_names.h"
#include "tessera/train/objective.h"

namespace tessera {

enum class Similarity { kCosine, kDot };
inline constexpr EnumName<Similarity> kSimilarityNames[] = {{Similarity::kCosine, "cosine"},
                                                            {Similarity::kDot, "dot"}};
template <>
inline constexpr EnumNames<Similarity> enum_names<Similarity> = kSimilarityNames;

enum class LabelLoss { kSoftmax, kLogistic };
inline constexpr EnumName<LabelLoss> kLabelLossNames[] = {{LabelLoss::kSoftmax, "softmax"},
                                                          {LabelLoss::kLogistic, "logistic"}};
template <>
inline constexpr EnumNames<LabelLoss> enum_names<LabelLoss> = kLabelLossNames;

struct LabelObjectiveOptions {
  LabelLoss loss = LabelLoss::kSoftmax;
  Similarity similarity = Similarity::kCosine;
  float scale = 20.0f;  // multiplies the scores (an inverse temperature)
};

class LabelObjective final : public Objective {
 public:
  explicit LabelObjective(LabelObjectiveOptions options = {});

  Var loss(const EmbeddedBatch& batch) override;

 private:
  LabelObjectiveOptions options_;
};

}  // namespace tessera
