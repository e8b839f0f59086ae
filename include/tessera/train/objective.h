// Objective: the loss of a batch that a training step has embedded, as one scalar on the tape.
//
// An EmbeddedBatch is B anchors (B x d) to be scored against C candidates (C x d), and for each
// anchor the candidates that are its positives; every other candidate is one of its negatives.
// How the candidates are formed (the other examples of the batch, every row of a label tower, or
// a sample of its rows) is the training task's choice (training_task.h); the objective sees only
// the vectors and the targets:
//   infonce.h               in-batch contrastive loss (CLIP, ALIGN, MultipleNegativesRanking)
//   label_objective.h       softmax or one-vs-all over candidate labels (fastText, StarSpace)
//   matryoshka_objective.h  any objective summed over nested prefixes (Kusupati et al., 2022)
// An objective may own parameters of its own (a learned temperature), which the training step
// optimizes beside the model's.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "tessera/core/autograd.h"
#include "tessera/core/ops.h"
#include "tessera/core/parameter.h"

namespace tessera {

struct EmbeddedBatch {
  Var anchors;     // B x d
  Var candidates;  // C x d
  // Anchor i's positives among the candidates (RowTargets' CSR rows), and its weight.
  RowTargets targets;

  int64_t size() const { return targets.rows(); }
  // Whether anchor i's one positive is candidate i for every i (in-batch pairs).
  bool diagonal() const;
  // The same batch with anchors and candidates cut to their first `dim` columns (views).
  EmbeddedBatch prefix(int64_t dim) const;
};

// Mean cosine of each anchor with the candidates that are not its positives (how hard the
// in-batch negatives are; it rises as NGAME batches get harder), in O((B + C) d).
double mean_negative_cosine(const EmbeddedBatch& batch);

class Objective {
 public:
  virtual ~Objective() = default;

  // The loss of the batch, a one-element Var on the anchors' graph.
  virtual Var loss(const EmbeddedBatch& batch) = 0;
  // sum_k weights[k] * loss(batch.prefix(prefixes[k])) computed at once, when the objective has
  // a fused form for nested prefixes; an undefined Var (the default) when it has none.
  virtual Var fused_prefix_loss(const EmbeddedBatch& batch, std::span<const int64_t> prefixes,
                                std::span<const float> weights);
  // Its own trainable parameters (none by default).
  virtual std::vector<Parameter*> parameters() { return {}; }
  // Called after every update of its parameters (to keep them in range).
  virtual void after_update() {}
  // Values worth reporting per epoch, e.g. {"scale": 8}.
  virtual std::map<std::string, double> report() const { return {}; }
};

}  // namespace tessera
