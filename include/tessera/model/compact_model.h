// Compact models for inference (fastText's `quantize`): every bag encoder of a model becomes a
// CompactBagEncoder (compact_bag_encoder.h) that keeps the `cutoff` rows of largest L2 norm
// (fastText's -cutoff: a row of small norm moves a text's vector least) and may store them as
// int8 codes with a scale per row. Words none of the kept rows holds leave the vocabulary (so
// the file does not carry them); the other encoders (labels, entities) are copied as they are.
//
// A kept feature weighs what it weighed before; a dropped one is left out of the text, as
// fastText's pruned dictionary leaves it out, so mean pooling averages over the kept ones.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/model/model.h"

namespace tessera {

struct CompactOptions {
  int64_t cutoff = 0;  // rows each bag table keeps (of largest norm); 0: all of them
  bool int8 = false;   // store the rows as int8 codes (a quarter of the bytes)
  // With a cutoff: the features the training texts hold (by feature id), or empty. A row no
  // training text reached still holds its random start, often larger than a trained row that
  // weight decay shrank, so only seen rows compete for the cutoff.
  std::vector<bool> seen;
};

// The compact copy of model; its provenance gains "compact": {cutoff, int8, rows kept}. An Error
// when the model has no bag encoder or one is compact already, or cutoff is negative.
Model compact_model(const Model& model, const CompactOptions& options);

}  // namespace tessera
