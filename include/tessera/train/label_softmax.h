// Label softmax: each anchor scored against candidate labels, with a softmax cross-entropy
// against the distribution uniform over its positives (several for multi-label examples): the
// output layer of fastText's supervised mode and StarSpace's trainMode 0, with labels as
// embedded entities of a tower.
//
// With every row of the label tower as candidates it is the full softmax; with the batch's
// positives and a uniform sample of the other rows (training_task.h's kSampledRows) it is the
// sampled softmax, for label sets too large to score whole (Jean et al., 2015; NGAME's setting).
// Scores are scale * cos(a, l), or scale * the inner product (fastText's, with scale 1).
#pragma once

#include "tessera/core/enum_names.h"
#include "tessera/train/objective.h"

namespace tessera {

enum class Similarity { kCosine, kDot };
inline constexpr EnumName<Similarity> kSimilarityNames[] = {{Similarity::kCosine, "cosine"},
                                                            {Similarity::kDot, "dot"}};
template <>
inline constexpr EnumNames<Similarity> enum_names<Similarity> = kSimilarityNames;

struct LabelSoftmaxOptions {
  Similarity similarity = Similarity::kCosine;
  float scale = 20.0f;  // multiplies the scores (an inverse temperature)
};

class LabelSoftmax final : public Objective {
 public:
  explicit LabelSoftmax(LabelSoftmaxOptions options = {});

  Var loss(const EmbeddedBatch& batch) override;

 private:
  LabelSoftmaxOptions options_;
};

}  // namespace tessera
