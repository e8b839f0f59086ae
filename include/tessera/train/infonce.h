// InfoNCE: the in-batch contrastive loss (MultipleNegativesRanking; CLIP, ALIGN). Anchor i's
// positive is candidate i; every other candidate (the other positives of the batch, then the
// explicit hard negatives) is a negative. The loss is the mean cross-entropy of scale * cos(a_i,
// c_j) with target j = i; symmetric adds the candidate -> anchor direction over the positives
// and takes the mean of the two.
//
// Over Matryoshka prefixes (matryoshka_objective.h) it is computed by the fused kernel of
// matryoshka_infonce.h, which multiplies each block of columns once for all prefixes; the loss
// of one dim is the same kernel with one prefix. The inverse temperature is fixed, or learned
// as its log (CLIP), kept in [1, 100].
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "tessera/train/objective.h"

namespace tessera {

struct InfoNceOptions {
  float scale = 20.0f;       // inverse temperature (the start value when learned)
  bool learn_scale = false;  // learn log(scale), kept in [1, 100]
  bool symmetric = false;    // also candidates -> anchors, over the positives
};

class InfoNce final : public Objective {
 public:
  explicit InfoNce(InfoNceOptions options);

  Var loss(const EmbeddedBatch& batch) override;
  Var fused_prefix_loss(const EmbeddedBatch& batch, std::span<const int64_t> prefixes,
                        std::span<const float> weights) override;
  std::vector<Parameter*> parameters() override;
  void after_update() override;
  // {"scale": the inverse temperature now}
  std::map<std::string, double> report() const override;

  float scale() const;

 private:
  InfoNceOptions options_;
  Parameter log_scale_;
};

}  // namespace tessera
