// In-batch contrastive loss (InfoNCE / MultipleNegativesRanking, as in CLIP and ALIGN) summed
// over Matryoshka prefixes (Kusupati et al., "Matryoshka Representation Learning", 2022).
//
// queries q (B x dim) and documents d (N x dim, N >= B): row i of q matches row i of d; every
// other row of d (the other positives, then extra hard negatives) is a negative. For each prefix
// p, both sides are cut to their first p columns and L2-normalized, and the loss is the mean
// cross-entropy of scale * cos(q_i, d_j) with target j = i; the result is
// sum_p weight_p * loss_p.
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

// Fused op: the inner products of the prefixes are nested, so it multiplies each block of
// columns between consecutive prefixes once (2*B*N*dim flops instead of 2*B*N*sum(prefixes))
// and forms every prefix's cosines from running sums; backward does the same in reverse.
Var matryoshka_infonce(const Var& queries, const Var& documents,
                       const MatryoshkaInfoNceOptions& options);

// The same loss with a learned inverse temperature: `scale` is a one-element Var (e.g. the exp of
// a log-scale parameter, as CLIP learns it) whose value replaces options.scale and which receives
// its gradient.
Var matryoshka_infonce(const Var& queries, const Var& documents, const Var& scale,
                       const MatryoshkaInfoNceOptions& options);

// The same loss composed from the generic ops (prefix, l2_normalize, matmul, cross_entropy):
// the reference the fused op is tested against.
Var matryoshka_infonce_reference(const Var& queries, const Var& documents,
                                 const MatryoshkaInfoNceOptions& options);

}  // namespace tessera
