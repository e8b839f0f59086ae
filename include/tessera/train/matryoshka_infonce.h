// In-batch contrastive loss (InfoNCE / MultipleNegativesRanking, as in CLIP and ALIGN) summed
// over Matryoshka prefixes (Kusupati et al., "Matryoshka Representation Learning", 2022).
//
// queries q (B x dim) and documents d (B + H x dim): row i of q matches row i of d; every other
// row of d (the other positives, then H extra hard negatives) is a negative. For each prefix p,
// both sides are cut to their first p columns and L2-normalized, and the loss is the
// cross-entropy of scale * cos(q_i, d_j) with target j = i; the result is sum_p weight_p * loss_p.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/core/autograd.h"

namespace tessera {

struct MatryoshkaInfoNceOptions {
  std::vector<int64_t> prefixes;  // ascending, each <= dim; empty = the full dim only
  std::vector<float> weights;     // one per prefix; empty = all 1
  float scale = 20.0f;            // inverse temperature
};

Var matryoshka_infonce(const Var& queries, const Var& documents,
                       const MatryoshkaInfoNceOptions& options);

}  // namespace tessera
