// Matryoshka Representation Learning (Kusupati et al., 2022) over any objective: the inner
// objective's loss at each nested prefix of the vectors, weighted and summed, so that every
// prefix of a vector is a usable vector. An inner objective with a fused form for nested
// prefixes (InfoNce) computes them all at once; any other is evaluated prefix by prefix on
// views of the same embedded batch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/train/objective.h"

namespace tessera {

class MatryoshkaObjective final : public Objective {
 public:
  // prefixes ascending and positive; weights one per prefix (empty: all 1).
  MatryoshkaObjective(std::shared_ptr<Objective> inner, std::vector<int64_t> prefixes,
                      std::vector<float> weights = {});

  // Every prefix must fit the batch's dim.
  Var loss(const EmbeddedBatch& batch) override;
  std::vector<Parameter*> parameters() override { return inner_->parameters(); }
  void after_update() override { inner_->after_update(); }
  std::map<std::string, double> report() const override { return inner_->report(); }

 private:
  std::shared_ptr<Objective> inner_;
  std::vector<int64_t> prefixes_;
  std::vector<float> weights_;
};

}  // namespace tessera
